// Scatter-gather over the index shards through IndexService, with the gRPC
// callback API: every phase calls all shards in parallel and waits for all
// answers (each call carries a deadline, so the wait is bounded).
//
// Search runs three phases:
//  1. TermStats on every shard for the plan's (field, term)s (a clause on
//     FIELD_UNSPECIFIED asks for TITLE and BODY) and prefixes -> global
//     statistics: the sums of document counts, per-field token totals and
//     document frequencies, and the union of every shard's expansion of
//     each prefix (INVALID_ARGUMENT beyond max_prefix_expansions). Scores
//     then do not depend on the number of shards. Skipped when the page
//     carries frozen statistics (a cursor's). A shard whose answer is in
//     the TermStatsCache is not asked; phase 2 then checks on that shard
//     that its statistics have not changed since (expected_statistics_version)
//     and, when they have, phase 1 is done again for it.
//  2. Search on the shards that answered phase 1, with the global stats,
//     the order, the cursor's key and limit = offset + limit + 1 (the extra
//     hit says whether a next page exists); MergeShardHits makes the page.
//     With facets, each shard also counts them over all its matches. With
//     fold_duplicates, each shard is asked for kFoldOverfetch times the
//     hits needed, with their clusters; the merged list is folded, and when
//     folding leaves the page short while a shard may hold more, phase 2
//     is repeated with four times the limit (up to 10,000).
//  3. Fetch, per shard, of the page's hits it owns (titles, snippets).
// A shard that fails any phase is reported in missing_shards ("CODE: message")
// and contributes nothing (no hits, no total); answered_shards lists the
// others. When no shard answers: UNAVAILABLE.
//
// Deadlines: no call outlives the request's deadline. Phases 1 and 2 get a
// share of the remaining time (30% then 70% of what is left), so a shard that
// hangs in an early phase cannot eat the time the later phases need.
//
//   ShardFanout fanout({"127.0.0.1:50061", "127.0.0.1:50062"});
//   absl::StatusOr<loupe::v1::SearchResponse> page =
//       fanout.Search(plan, {.offset = 0, .limit = 10}, absl::Now() + absl::Seconds(2));
#ifndef LOUPE_SERVICES_QUERY_SHARD_FANOUT_H_
#define LOUPE_SERVICES_QUERY_SHARD_FANOUT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "loupe/v1/index.grpc.pb.h"
#include "loupe/v1/index.pb.h"
#include "services/common/query_plan_terms.h"  // StatTermsForPlan
#include "services/query/term_stats_cache.h"
#include "loupe/v1/query.pb.h"

namespace loupe::query {

// What a first page was scored with; a cursor carries it to later pages.
struct FrozenStats {
  loupe::v1::CollectionStats collection;
  // In StatTermsForPlan(resolved plan) order.
  std::vector<uint64_t> document_frequencies;
  // Expansions of each prefix clause, in plan order.
  std::vector<std::vector<loupe::v1::FieldTerm>> prefixes;
};

struct PageRequest {
  uint32_t offset = 0;
  // > 0; offset + limit <= 10,000 (the shards' Search limit).
  uint32_t limit = 10;
  // Snippet length in code points; 0 lets the shard choose (200).
  uint32_t snippet_chars = 0;
  loupe::v1::HitOrder order = loupe::v1::HIT_ORDER_SCORE;
  // Only hits after this key (cursor paging).
  std::optional<loupe::v1::HitKey> after;
  // Statistics to use instead of asking the shards (cursor paging).
  std::optional<FrozenStats> frozen;
  // Most terms one prefix may expand to (over all shards, per field).
  uint32_t max_prefix_expansions = 128;
  // Facets every shard counts over its whole matching set (facet_merge.h).
  std::vector<loupe::v1::ShardFacetRequest> facets;
  // Most values a shard returns per facet (0 = the shard's default).
  uint32_t max_facet_values = 0;
  // One hit per duplicate cluster (duplicate_folding.h); `offset` and
  // `limit` then count clusters.
  bool fold_duplicates = false;
  // Matches each shard counts exactly before it may prune and report a
  // lower bound (0 = the shard's default, 1,000).
  uint32_t total_hits_threshold = 0;
};

struct FanoutPage {
  // `took` unset.
  loupe::v1::SearchResponse response;
  // The statistics this page was scored with.
  FrozenStats stats;
  // Key of the page's last hit when more hits follow it.
  std::optional<loupe::v1::HitKey> next;
  // Facet counts of each shard that answered every phase (PageRequest.facets
  // order), to merge with MergeFacets.
  std::vector<google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult>> shard_facets;
};

// What the shard holding a document says about its score.
struct ExplainAnswer {
  uint32_t shard = 0;
  loupe::v1::ShardExplainResponse explanation;
  // The global statistics it was computed with.
  loupe::v1::CollectionStats collection;
};

// Document frequencies cached per shard by default (a few MB).
inline constexpr size_t kDefaultTermStatsCacheEntries = 100000;

class ShardFanout {
 public:
  // Shard i is served at addresses[i]. Channels connect lazily. Phase 1
  // answers are cached (term_stats_cache.h), up to
  // `term_stats_cache_entries` document frequencies per shard (0: none).
  explicit ShardFanout(std::vector<std::string> addresses,
                       size_t term_stats_cache_entries = kDefaultTermStatsCacheEntries);

  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }

  // The merged, fetched page. `took` is left unset. Thread-safe.
  absl::StatusOr<FanoutPage> SearchPage(const loupe::v1::QueryPlan& plan,
                                        const PageRequest& page, absl::Time deadline) const;
  absl::StatusOr<loupe::v1::SearchResponse> Search(const loupe::v1::QueryPlan& plan,
                                                   const PageRequest& page,
                                                   absl::Time deadline) const;

  // Phase 1 as for a first page (global statistics, prefix expansions),
  // then Explain of `id` on every shard that answered; the answer of the
  // shard that holds it. NOT_FOUND when none does (UNAVAILABLE when some
  // shard could not be asked). Thread-safe.
  absl::StatusOr<ExplainAnswer> Explain(const loupe::v1::QueryPlan& plan, const std::string& id,
                                        uint32_t max_prefix_expansions,
                                        absl::Time deadline) const;

  // Info from every shard; an unreachable shard has reachable=false and the
  // error. Thread-safe.
  loupe::v1::ClusterInfoResponse ClusterInfo(absl::Time deadline) const;

 private:
  struct Shard {
    uint32_t id = 0;
    std::string address;
    std::unique_ptr<loupe::v1::IndexService::Stub> stub;
  };

  std::vector<Shard> shards_;
  std::unique_ptr<TermStatsCache> stats_cache_;
};

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_SHARD_FANOUT_H_
