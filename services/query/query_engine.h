// QueryEngine: the read path of loupe-query without gRPC server types —
// parse the query text, build the analysed plan, scatter-gather it over the
// index shards (ShardFanout) and time the answer. Testable in-process.
//
// The request must already be validated (see request_validation.h): limit in
// 1..max, offset + limit <= 10,000, valid UTF-8, non-empty query.
//
//   QueryEngine engine({"127.0.0.1:50061", "127.0.0.1:50062"}, QueryEngineOptions{});
//   absl::StatusOr<loupe::v1::SearchResponse> response =
//       engine.Search(request, /*client_deadline=*/absl::InfiniteFuture());
#ifndef LOUPE_SERVICES_QUERY_QUERY_ENGINE_H_
#define LOUPE_SERVICES_QUERY_QUERY_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "loupe/v1/query.pb.h"
#include "services/query/plan_builder.h"
#include "services/query/query_parser.h"

namespace loupe::query {

class ShardFanout;

struct QueryEngineOptions {
  QueryParserLimits parser_limits;
  // Deadline of a request whose client set none, and cap on a client's one.
  absl::Duration default_timeout = absl::Milliseconds(2000);
  // Languages a query is analysed in when the request gives none (see
  // plan_builder.h); as ParseQueryLanguages returns them.
  std::vector<std::string> query_languages = DefaultQueryLanguages();
  // Query-side ranking (proximity phrases; see plan_builder.h).
  PlanRanking ranking;
  // Most terms a `prefix*` may expand to (over every shard, per field);
  // beyond: INVALID_ARGUMENT.
  uint32_t max_prefix_expansions = 128;
  // Most values a shard returns per facet; a shard with more sums the rest
  // and the answer says `truncated` (counts no longer exact).
  uint32_t max_facet_values_per_shard = 10000;
  // Document frequencies of each shard kept to skip the statistics round
  // trip for known terms (term_stats_cache.h); 0 asks every time.
  size_t term_stats_cache_entries = 100000;
};

class QueryEngine {
 public:
  // Shard i is served at shard_addresses[i].
  QueryEngine(std::vector<std::string> shard_addresses, QueryEngineOptions options);
  ~QueryEngine();
  QueryEngine(const QueryEngine&) = delete;
  QueryEngine& operator=(const QueryEngine&) = delete;

  // INVALID_ARGUMENT (with a google.rpc.BadRequest on field "query") for a
  // malformed query, on field "lang" for a language that is not "und" nor a
  // 2–3 letter code, on "filters.*" and "page_token"; UNAVAILABLE when no
  // shard answers; otherwise the page, possibly partial (missing_shards),
  // with next_page_token when more hits follow. `client_deadline` is
  // absl::InfiniteFuture() when the client set none. Thread-safe.
  absl::StatusOr<loupe::v1::SearchResponse> Search(const loupe::v1::SearchRequest& request,
                                                   absl::Time client_deadline) const;

  // Parse + plan only (what Search sends to the shards). `lang` as
  // SearchRequest.lang ("" = the configured query languages). Thread-safe.
  absl::StatusOr<loupe::v1::QueryPlan> Plan(absl::string_view query,
                                            absl::string_view lang = "") const;
  // Plan of a whole request: its query (may be empty) and typed filters.
  absl::StatusOr<loupe::v1::QueryPlan> PlanRequest(const loupe::v1::SearchRequest& request) const;

  // Score breakdown of request.id for request.query (ShardFanout::Explain):
  // INVALID_ARGUMENT on "query" / "lang" / "id", NOT_FOUND for an unknown
  // id. Thread-safe.
  absl::StatusOr<loupe::v1::ExplainResponse> Explain(const loupe::v1::ExplainRequest& request,
                                                     absl::Time client_deadline) const;

  loupe::v1::ClusterInfoResponse ClusterInfo(absl::Time client_deadline) const;

  uint32_t shard_count() const;

 private:
  // The earlier of the client's deadline and now + default_timeout.
  absl::Time RequestDeadline(absl::Time client_deadline) const;

  QueryEngineOptions options_;
  PlanBuilder plan_builder_;
  std::unique_ptr<ShardFanout> fanout_;
};

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_QUERY_ENGINE_H_
