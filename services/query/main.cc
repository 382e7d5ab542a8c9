// loupe-query: the front door for reads (flags and wiring only).
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "services/common/admin_service.h"
#include "services/common/flags.h"
#include "services/common/cluster_config.h"
#include "services/common/log.h"
#include "services/common/rocksdb_store.h"
#include "services/common/server.h"
#include "services/query/query_engine.h"
#include "services/query/query_service.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50052", "host:port to serve QueryService on");
ABSL_FLAG(uint32_t, shard_count, 0, "Number of index shards in the cluster (required, > 0)");
ABSL_FLAG(std::string, index_addresses, "",
          "Comma-separated host:port of index shards 0..N-1 (default 127.0.0.1:50061+i)");
ABSL_FLAG(std::string, data_dir, "", "Folder of this service's RocksDB (required)");
ABSL_FLAG(int32_t, default_timeout_ms, 2000,
          "Deadline of a search whose client set none, and cap on a client's deadline, ms");
ABSL_FLAG(uint32_t, max_limit, 1000, "Largest SearchRequest.limit");
ABSL_FLAG(uint32_t, max_query_bytes, 4096, "Longest query text, bytes");
ABSL_FLAG(int32_t, max_message_bytes, 16 << 20,
          "Largest gRPC request or response, bytes (a page of 1,000 hits with long titles and "
          "snippets stays well below 16 MiB)");
ABSL_FLAG(uint32_t, max_clauses, 64, "Most clauses in a query (before and after analysis)");
ABSL_FLAG(uint32_t, max_query_depth, 8, "Deepest nesting of parentheses in a query");
ABSL_FLAG(uint32_t, max_prefix_expansions, 128,
          "Most indexed terms a prefix* may expand to (per field, over all shards), 1..10000");
ABSL_FLAG(uint32_t, max_facet_values_per_shard, 10000,
          "Most values one shard returns per facet (1..100000); beyond, the facet says "
          "truncated and its counts are no longer exact");
ABSL_FLAG(uint32_t, term_stats_cache_entries, 100000,
          "Document frequencies kept per shard so that searches on known terms skip the "
          "statistics round trip (checked against each shard's statistics version; 0 = off)");
ABSL_FLAG(uint32_t, max_result_window, 10000,
          "Largest offset + limit, 1..10000 (deeper pages: next_page_token)");
ABSL_FLAG(std::string, query_languages, "en,fr,und",
          "Comma-separated languages (ISO 639-1, or und = unstemmed) a query is analysed in when "
          "SearchRequest.lang is empty; each word becomes one term with all its forms");

// Ranking defaults chosen leave-one-collection-out on SciFact, Cranfield and
// CISI (tests/eval/run_eval.py --sweep, tools/eval/loco.py; README "Relevance").
ABSL_FLAG(double, proximity_boost, loupe::query::DefaultPlanRanking().proximity_boost,
          "Boost of the extra phrase of every two adjacent words of a plain query (the ordered "
          "window of a sequential dependence model), 0..10; 0 = no proximity phrases");

ABSL_FLAG(bool, stemmed_forms_only, loupe::query::DefaultPlanRanking().stemmed_forms_only,
          "Leave out a query word's unstemmed (und) form when another query language stems it "
          "into a different form");
ABSL_FLAG(bool, repeated_words_add_up,
          loupe::query::DefaultPlanRanking().repeated_words_add_up,
          "A word repeated in a query adds its boosts (query term frequency) instead of counting "
          "once");

ABSL_FLAG(bool, proximity_body_only, loupe::query::DefaultPlanRanking().proximity_body_only,
          "Proximity phrases of words without a field scope score in the body only");

namespace {

// TermStats takes at most 1,024 terms and a clause may need 2 (title, body).
constexpr uint32_t kMaxClausesLimit = 512;

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "loupe-query: " << message << std::endl;
  std::exit(2);
}


// RocksDB options from the flags, with the store's gauges exported.
loupe::RocksOptions QueryRocksOptions() {
  loupe::RocksOptions options = loupe::RocksOptionsFromFlags();
  options.metrics_name = "query";
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  loupe::BlockShutdownSignals();
  loupe::SetLogProgramName("loupe-query");
  loupe::ParseFlags(argc, argv, "loupe-query: the front door for reads of a Loupe cluster");

  const uint32_t shard_count = absl::GetFlag(FLAGS_shard_count);
  if (shard_count == 0) Fail("--shard_count is required and must be > 0");
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) Fail("--data_dir is required");
  if (absl::GetFlag(FLAGS_default_timeout_ms) <= 0) Fail("--default_timeout_ms must be > 0");
  if (absl::GetFlag(FLAGS_max_limit) == 0 || absl::GetFlag(FLAGS_max_limit) > 10000) {
    Fail("--max_limit must be in 1..10000");
  }
  if (absl::GetFlag(FLAGS_max_query_bytes) == 0) Fail("--max_query_bytes must be > 0");
  if (absl::GetFlag(FLAGS_max_message_bytes) <= 0) Fail("--max_message_bytes must be > 0");
  if (absl::GetFlag(FLAGS_max_clauses) == 0 ||
      absl::GetFlag(FLAGS_max_clauses) > kMaxClausesLimit) {
    Fail(absl::StrCat("--max_clauses must be in 1..", kMaxClausesLimit));
  }
  const double proximity_boost = absl::GetFlag(FLAGS_proximity_boost);
  if (!(proximity_boost >= 0 && proximity_boost <= loupe::query::kMaxProximityBoost)) {
    Fail(absl::StrCat("--proximity_boost must be in 0..", loupe::query::kMaxProximityBoost));
  }
  if (absl::GetFlag(FLAGS_max_query_depth) == 0) Fail("--max_query_depth must be > 0");
  if (absl::GetFlag(FLAGS_max_prefix_expansions) == 0 ||
      absl::GetFlag(FLAGS_max_prefix_expansions) > 10000) {
    Fail("--max_prefix_expansions must be in 1..10000");
  }
  if (absl::GetFlag(FLAGS_max_facet_values_per_shard) == 0 ||
      absl::GetFlag(FLAGS_max_facet_values_per_shard) > 100000) {
    Fail("--max_facet_values_per_shard must be in 1..100000");
  }
  if (absl::GetFlag(FLAGS_max_result_window) == 0 ||
      absl::GetFlag(FLAGS_max_result_window) > 10000) {
    Fail("--max_result_window must be in 1..10000");
  }
  absl::StatusOr<std::vector<std::string>> parsed_addresses =
      loupe::ParseIndexAddresses(absl::GetFlag(FLAGS_index_addresses), shard_count);
  if (!parsed_addresses.ok()) Fail(std::string(parsed_addresses.status().message()));
  std::vector<std::string> addresses = *std::move(parsed_addresses);
  absl::StatusOr<std::vector<std::string>> query_languages =
      loupe::query::ParseQueryLanguages(absl::GetFlag(FLAGS_query_languages));
  if (!query_languages.ok()) {
    Fail(absl::StrCat("--query_languages: ", query_languages.status().message()));
  }

  // Saved searches and alert cursors will live here; today the store records
  // the cluster's shard count so a mismatched restart is refused.
  absl::StatusOr<std::unique_ptr<loupe::RocksStore>> store =
      loupe::RocksStore::Open(data_dir, {"meta", "saved_searches"}, QueryRocksOptions());
  if (!store.ok()) Fail(absl::StrCat("open ", data_dir, ": ", store.status().ToString()));
  absl::Status shard_check = (*store)->CheckOrRecordShardCount("meta", shard_count);
  if (!shard_check.ok()) Fail(shard_check.ToString());

  loupe::query::QueryEngineOptions options;
  options.parser_limits.max_query_bytes = absl::GetFlag(FLAGS_max_query_bytes);
  options.parser_limits.max_clauses = absl::GetFlag(FLAGS_max_clauses);
  options.parser_limits.max_depth = absl::GetFlag(FLAGS_max_query_depth);
  options.max_prefix_expansions = absl::GetFlag(FLAGS_max_prefix_expansions);
  options.max_facet_values_per_shard = absl::GetFlag(FLAGS_max_facet_values_per_shard);
  options.term_stats_cache_entries = absl::GetFlag(FLAGS_term_stats_cache_entries);
  options.default_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_default_timeout_ms));
  options.query_languages = *query_languages;
  options.ranking.proximity_boost = static_cast<float>(proximity_boost);
  options.ranking.stemmed_forms_only = absl::GetFlag(FLAGS_stemmed_forms_only);
  options.ranking.repeated_words_add_up = absl::GetFlag(FLAGS_repeated_words_add_up);
  options.ranking.proximity_body_only = absl::GetFlag(FLAGS_proximity_body_only);
  loupe::query::QueryEngine engine(addresses, options);
  loupe::query::SearchRequestLimits limits;
  limits.max_limit = absl::GetFlag(FLAGS_max_limit);
  limits.max_result_window = absl::GetFlag(FLAGS_max_result_window);
  loupe::query::QueryServiceImpl service(&engine, limits);
  absl::StatusOr<std::string> backup_root = loupe::BackupRootFromFlags(data_dir);
  if (!backup_root.ok()) Fail(std::string(backup_root.status().message()));
  loupe::AdminServiceImpl admin(
      {loupe::v1::SERVICE_ROLE_QUERY, 0, shard_count, *backup_root},
      [store = store->get()](const std::string& dir, loupe::AdminServiceImpl::Sequences*) {
        return store->Checkpoint(dir);
      });

  loupe::LogInfo(absl::StrCat("shards: ", shard_count, ", index at ",
                              absl::StrJoin(addresses, ",")));
  loupe::ServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.name = "loupe-query";
  server_options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  absl::Status status = loupe::ServeUntilSignal(server_options, {&service, &admin}, nullptr);
  if (!status.ok()) {
    loupe::LogError(status.ToString());
    return 1;
  }
  return 0;
}
