// Phase 1 of a search (and of Explain): TermStats on every shard, summed
// into the cluster-wide statistics so that scores do not depend on the
// number of shards, and the union of the shards' expansions of each prefix
// clause.
//
//   std::vector<v1::PrefixClause*> prefixes;
//   CollectPrefixes(plan.mutable_root(), &prefixes);
//   GlobalStats global;
//   std::vector<v1::FieldTerm> stat_terms;
//   LOUPE_RETURN_IF_ERROR(GatherGlobalStats(n, stub_for, deadline, 128, prefixes, fail,
//                                           &plan, &global, &stat_terms));
#ifndef LOUPE_SERVICES_QUERY_GLOBAL_STATS_H_
#define LOUPE_SERVICES_QUERY_GLOBAL_STATS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "loupe/v1/index.grpc.pb.h"
#include "loupe/v1/index.pb.h"
#include "services/query/term_stats_cache.h"

namespace loupe::query {

// The cluster-wide statistics summed from the shards' TermStats answers.
struct GlobalStats {
  loupe::v1::CollectionStats collection;
  // In StatTermsForPlan(plan) order.
  std::vector<uint64_t> document_frequencies;
};

// The prefix clauses under `node`, depth first in plan order.
void CollectPrefixes(loupe::v1::QueryNode* node, std::vector<loupe::v1::PrefixClause*>* out);

// TermStats on shards 0..shard_count-1 -> `global`, `prefixes` (pointers
// into `plan`) filled with the union of the shards' expansions, and
// `stat_terms` = StatTermsForPlan(*plan) after expansion. A shard that fails
// is reported through `fail(index, "CODE: message")` and left out of the
// sums. INVALID_ARGUMENT on "query" when a prefix expands to more than
// `max_prefix_expansions` terms.
//
// With a `cache`, a shard whose answer the cache holds is not called; its
// statistics_version is then in (*cached_versions)[shard] (resized to
// shard_count; empty for the shards that were called), for phase 2 to send
// as expected_statistics_version. Fresh answers are stored in the cache.
absl::Status GatherGlobalStats(size_t shard_count,
                               const std::function<loupe::v1::IndexService::Stub*(size_t)>& stub_for,
                               absl::Time deadline, uint32_t max_prefix_expansions,
                               const std::vector<loupe::v1::PrefixClause*>& prefixes,
                               const std::function<void(size_t, std::string)>& fail,
                               loupe::v1::QueryPlan* plan, GlobalStats* global,
                               std::vector<loupe::v1::FieldTerm>* stat_terms,
                               TermStatsCache* cache = nullptr,
                               std::vector<std::string>* cached_versions = nullptr);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_GLOBAL_STATS_H_
