// loupe-index: one shard of the Loupe index. Flags and wiring only; see
// index_engine.h for what the shard does.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/admin_service.h"
#include "services/common/cluster_config.h"
#include "services/common/flags.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/rocksdb_store.h"
#include "services/common/server.h"
#include "services/index/index_engine.h"
#include "services/index/index_service.h"

ABSL_FLAG(uint32_t, shard_id, 0, "This shard's id, 0 .. shard_count-1");
ABSL_FLAG(uint32_t, shard_count, 0,
          "Number of shards in the cluster (required; recorded on first start)");
ABSL_FLAG(std::string, data_dir, "", "Folder of this shard's RocksDB (required)");
ABSL_FLAG(std::string, listen, "", "host:port to serve on; default 0.0.0.0:<50061+shard_id>");
// Ranking defaults: k1 1.2, b 0.75 (the literature's), title 0.5, body 1, chosen
// leave-one-collection-out on SciFact, Cranfield and CISI (README "Relevance").
// BM25 defaults chosen leave-one-collection-out on ../shared/data (README, Relevance).
ABSL_FLAG(double, bm25_k1, 1.2, "BM25 k1 (term-frequency saturation), >= 0");
ABSL_FLAG(double, bm25_b, 0.75, "BM25 b (length normalisation), 0..1");
ABSL_FLAG(double, title_weight, 0.5, "Score weight of title matches, >= 0");
ABSL_FLAG(double, body_weight, 1.0, "Score weight of body matches, >= 0");
ABSL_FLAG(uint64_t, term_record_cache_mb, 64,
          "Term records the writer keeps in memory between batches, MiB (0: none)");
ABSL_FLAG(uint64_t, term_read_cache_mb, 64,
          "Term records the searches keep in memory for the next searches, MiB (0: none)");
ABSL_FLAG(uint64_t, posting_cache_mb, 256,
          "Posting lists the searches keep in memory for the next searches, MiB (0: none)");
ABSL_FLAG(uint64_t, id_cache_entries, 65536,
          "External ids of returned hits the searches keep in memory, by docid (0: none)");
ABSL_FLAG(int32_t, max_message_bytes, 64 << 20,
          "Largest gRPC request or response, bytes (Apply batches from ingest are at most half "
          "of ingest's --max_message_bytes)");

namespace {

[[noreturn]] void ConfigError(const std::string& message) {
  loupe::LogError(absl::StrCat("bad configuration: ", message));
  std::exit(2);
}

bool FiniteNonNegative(double value) { return std::isfinite(value) && value >= 0; }

// Gauges read at each scrape; ServeUntilSignal clears them before shutdown.
void ExportIndexMetrics(const loupe::IndexEngine* engine) {
  loupe::Metrics().RegisterGauge("loupe_index_documents", "Live documents in this shard", {}, [engine] {
    auto info = engine->Info();
    return info.ok() ? double(info->stats().document_count()) : -1.0;
  });
  loupe::Metrics().RegisterGauge("loupe_index_applied_sequence",
                                 "Highest operation sequence durably applied", {}, [engine] {
                                   auto info = engine->Info();
                                   return info.ok() ? double(info->applied_sequence()) : -1.0;
                                 });
  // Within --term_read_cache_mb and --posting_cache_mb.
  loupe::Metrics().RegisterGauge("loupe_index_search_cache_bytes",
                                 "Memory the searches' read cache holds", {{"cache", "term_records"}},
                                 [engine] { return double(engine->TermReadCacheBytes()); });
  loupe::Metrics().RegisterGauge("loupe_index_search_cache_bytes",
                                 "Memory the searches' read cache holds", {{"cache", "posting_lists"}},
                                 [engine] { return double(engine->PostingCacheBytes()); });
}

}  // namespace

int main(int argc, char** argv) {
  loupe::BlockShutdownSignals();
  loupe::SetLogProgramName("loupe-index");
  loupe::ParseFlags(argc, argv, "loupe-index: one shard of the Loupe search index");

  loupe::IndexEngineOptions options;
  options.shard_id = absl::GetFlag(FLAGS_shard_id);
  options.shard_count = absl::GetFlag(FLAGS_shard_count);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (options.shard_count == 0) ConfigError("--shard_count is required and must be > 0");
  if (options.shard_id >= options.shard_count) {
    ConfigError(absl::StrCat("--shard_id=", options.shard_id, " must be below --shard_count=",
                             options.shard_count));
  }
  if (data_dir.empty()) ConfigError("--data_dir is required");
  options.scoring.k1 = absl::GetFlag(FLAGS_bm25_k1);
  options.scoring.b = absl::GetFlag(FLAGS_bm25_b);
  options.scoring.title_weight = absl::GetFlag(FLAGS_title_weight);
  options.scoring.body_weight = absl::GetFlag(FLAGS_body_weight);
  options.term_record_cache_bytes = absl::GetFlag(FLAGS_term_record_cache_mb) << 20;
  options.term_read_cache_bytes = absl::GetFlag(FLAGS_term_read_cache_mb) << 20;
  options.posting_cache_bytes = absl::GetFlag(FLAGS_posting_cache_mb) << 20;
  options.external_id_cache_entries = absl::GetFlag(FLAGS_id_cache_entries);
  if (!FiniteNonNegative(options.scoring.k1)) ConfigError("--bm25_k1 must be >= 0");
  if (!FiniteNonNegative(options.scoring.b) || options.scoring.b > 1) {
    ConfigError("--bm25_b must be in [0, 1]");
  }
  if (!FiniteNonNegative(options.scoring.title_weight) ||
      !FiniteNonNegative(options.scoring.body_weight)) {
    ConfigError("--title_weight and --body_weight must be >= 0");
  }
  if (absl::GetFlag(FLAGS_max_message_bytes) <= 0) ConfigError("--max_message_bytes must be > 0");
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) listen = absl::StrCat("0.0.0.0:", loupe::kFirstIndexPort + options.shard_id);

  loupe::RocksOptions rocks_options = loupe::RocksOptionsFromFlags();
  rocks_options.metrics_name = absl::StrCat("index-", options.shard_id);
  absl::StatusOr<std::unique_ptr<loupe::IndexEngine>> engine =
      loupe::IndexEngine::Open(data_dir, options, rocks_options);
  if (!engine.ok()) {
    loupe::LogError(absl::StrCat("cannot open shard in ", data_dir, ": ",
                                 engine.status().ToString()));
    return 1;
  }
  loupe::LogInfo(absl::StrCat("shard ", options.shard_id, " of ", options.shard_count,
                              " opened in ", data_dir, ", analyser ",
                              (*engine)->analyzer_version()));

  ExportIndexMetrics(engine->get());

  loupe::IndexServiceImpl service(engine->get());
  absl::StatusOr<std::string> backup_root = loupe::BackupRootFromFlags(data_dir);
  if (!backup_root.ok()) ConfigError(std::string(backup_root.status().message()));
  loupe::AdminServiceImpl admin(
      {loupe::v1::SERVICE_ROLE_INDEX, options.shard_id, options.shard_count, *backup_root},
      [engine = engine->get()](const std::string& dir,
                               loupe::AdminServiceImpl::Sequences* sequences) -> absl::Status {
        absl::StatusOr<uint64_t> applied = engine->Checkpoint(dir);
        if (!applied.ok()) return applied.status();
        loupe::v1::ShardSequences* entry = sequences->Add();
        entry->set_shard(engine->shard_id());
        entry->set_last_sequence(*applied);
        entry->set_applied_sequence(*applied);
        return absl::OkStatus();
      });
  loupe::ServerOptions server_options;
  server_options.listen_address = listen;
  server_options.name = "loupe-index";
  server_options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  absl::Status status = loupe::ServeUntilSignal(server_options, {&service, &admin}, [] {});
  if (!status.ok()) {
    loupe::LogError(status.ToString());
    return 1;
  }
  return 0;
}
