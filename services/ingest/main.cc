// loupe-ingest: flags and wiring only (see ingest_engine.h, shipper.h,
// ingest_service.h).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/admin_service.h"
#include "services/common/flags.h"
#include "services/common/cluster_config.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/rocksdb_store.h"
#include "services/common/server.h"
#include "services/ingest/ingest_engine.h"
#include "services/ingest/ingest_service.h"
#include "services/ingest/shipper.h"

ABSL_FLAG(std::string, data_dir, "", "Folder of loupe-ingest's RocksDB (required)");
ABSL_FLAG(int32_t, shard_count, 0,
          "Number of index shards (required, > 0); fixed when the cluster is created");
ABSL_FLAG(std::string, index_addresses, "",
          "Comma-separated host:port of index shards 0..N-1 (default 127.0.0.1:50061+i)");
ABSL_FLAG(std::string, listen, "0.0.0.0:50051", "gRPC listen address");
ABSL_FLAG(uint64_t, max_backlog, 200000,
          "Unshipped operations per shard before writes get RESOURCE_EXHAUSTED");
ABSL_FLAG(int32_t, ship_batch_size, static_cast<int32_t>(loupe::ShipperOptions{}.batch_size),
          "Operations per Apply call (1..10000)");
ABSL_FLAG(int32_t, ship_timeout_ms, 10000, "Deadline of an Apply call, ms");
ABSL_FLAG(int32_t, max_batch_documents, 1000, "Documents per Ingest request or stream message");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20, "Largest document body, bytes");
ABSL_FLAG(int64_t, max_title_bytes, 4096, "Largest document title, bytes");
ABSL_FLAG(int32_t, max_message_bytes, 64 << 20, "Largest gRPC request or response, bytes");

namespace {

[[noreturn]] void Fail(const std::string& message) {
  loupe::LogError(message);
  std::exit(1);
}


// Gauges read at each scrape; ServeUntilSignal clears them before shutdown.
void ExportIngestMetrics(const loupe::IngestEngine* engine) {
  loupe::Metrics().RegisterGauge("loupe_ingest_documents", "Live documents stored in ingest", {},
                                 [engine] { return double(engine->document_count()); });
  for (uint32_t shard = 0; shard < engine->shard_count(); ++shard) {
    const loupe::MetricLabels labels = {{"shard", std::to_string(shard)}};
    loupe::Metrics().RegisterGauge(
        "loupe_ingest_backlog", "Operations acknowledged but not yet applied by the shard", labels,
        [engine, shard] {
          const loupe::ShardBacklog backlog = engine->Backlog(shard);
          return double(backlog.last_sequence - backlog.applied_sequence);
        });
    loupe::Metrics().RegisterGauge(
        "loupe_ingest_oldest_unshipped_age_seconds", "Age of the oldest unshipped operation",
        labels, [engine, shard] { return engine->Backlog(shard).oldest_unshipped_age_ms / 1000.0; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  loupe::BlockShutdownSignals();
  loupe::SetLogProgramName("loupe-ingest");
  loupe::ParseFlags(argc, argv,
                    "loupe-ingest: the front door for writes.\n"
                    "  loupe-ingest --data_dir=/var/lib/loupe/ingest --shard_count=2");

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const int shard_count = absl::GetFlag(FLAGS_shard_count);
  if (data_dir.empty()) Fail("--data_dir is required");
  if (shard_count <= 0) Fail("--shard_count is required and must be > 0");
  const int ship_batch_size = absl::GetFlag(FLAGS_ship_batch_size);
  if (ship_batch_size < 1 || ship_batch_size > 10000) Fail("--ship_batch_size must be 1..10000");
  if (absl::GetFlag(FLAGS_ship_timeout_ms) <= 0) Fail("--ship_timeout_ms must be > 0");
  if (absl::GetFlag(FLAGS_max_backlog) == 0) Fail("--max_backlog must be > 0");
  if (absl::GetFlag(FLAGS_max_batch_documents) <= 0) Fail("--max_batch_documents must be > 0");
  if (absl::GetFlag(FLAGS_max_body_bytes) <= 0) Fail("--max_body_bytes must be > 0");
  if (absl::GetFlag(FLAGS_max_title_bytes) <= 0) Fail("--max_title_bytes must be > 0");
  const int max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (max_message_bytes <= 0) Fail("--max_message_bytes must be > 0");
  absl::StatusOr<std::vector<std::string>> parsed_addresses =
      loupe::ParseIndexAddresses(absl::GetFlag(FLAGS_index_addresses), shard_count);
  if (!parsed_addresses.ok()) Fail(std::string(parsed_addresses.status().message()));
  const std::vector<std::string> addresses = *std::move(parsed_addresses);

  loupe::IngestEngineOptions options;
  options.shard_count = static_cast<uint32_t>(shard_count);
  options.max_backlog = absl::GetFlag(FLAGS_max_backlog);
  options.limits.max_batch_documents = absl::GetFlag(FLAGS_max_batch_documents);
  options.limits.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.limits.max_title_bytes = absl::GetFlag(FLAGS_max_title_bytes);
  loupe::RocksOptions rocks_options = loupe::RocksOptionsFromFlags();
  rocks_options.metrics_name = "ingest";
  absl::StatusOr<std::unique_ptr<loupe::IngestEngine>> engine =
      loupe::IngestEngine::Open(data_dir, options, rocks_options);
  if (!engine.ok()) Fail(std::string(engine.status().message()));
  loupe::LogInfo(absl::StrCat("opened ", data_dir, ": ", shard_count, " shards (",
                              absl::StrJoin(addresses, ", "), "), ",
                              (*engine)->document_count(), " live documents"));

  loupe::ShipperOptions shipper_options;
  shipper_options.batch_size = static_cast<size_t>(ship_batch_size);
  shipper_options.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_ship_timeout_ms));
  shipper_options.max_batch_bytes = static_cast<size_t>(max_message_bytes) / 2;
  loupe::Shipper shipper(engine->get(), addresses, shipper_options);
  shipper.Start();

  ExportIngestMetrics(engine->get());

  loupe::IngestServiceImpl service(engine->get(), &shipper);
  absl::StatusOr<std::string> backup_root = loupe::BackupRootFromFlags(data_dir);
  if (!backup_root.ok()) Fail(std::string(backup_root.status().message()));
  loupe::AdminServiceImpl admin(
      {loupe::v1::SERVICE_ROLE_INGEST, 0, static_cast<uint32_t>(shard_count), *backup_root},
      [engine = engine->get()](const std::string& dir,
                               loupe::AdminServiceImpl::Sequences* sequences) -> absl::Status {
        absl::StatusOr<std::vector<loupe::ShardBacklog>> backlogs = engine->Checkpoint(dir);
        if (!backlogs.ok()) return backlogs.status();
        for (uint32_t shard = 0; shard < backlogs->size(); ++shard) {
          loupe::v1::ShardSequences* entry = sequences->Add();
          entry->set_shard(shard);
          entry->set_last_sequence((*backlogs)[shard].last_sequence);
          entry->set_applied_sequence((*backlogs)[shard].applied_sequence);
        }
        return absl::OkStatus();
      });
  loupe::ServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.name = "loupe-ingest";
  server_options.max_message_bytes = max_message_bytes;
  const absl::Status status =
      loupe::ServeUntilSignal(server_options, {&service, &admin}, [&shipper] { shipper.Stop(); });
  shipper.Stop();
  if (!status.ok()) {
    loupe::LogError(std::string(status.message()));
    return 1;
  }
  return 0;
}
