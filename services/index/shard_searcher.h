// ShardSearcher: top-k of one shard for a query plan, scored with BM25 and
// the GLOBAL statistics carried by the request, on one RocksDB snapshot.
//
// Matching and scoring: QueryEvaluator (query_evaluator.h) on the plan's
// tree `root`, or on its flat `clauses` as one boolean query (a document
// must contain every MUST clause, none of the MUST_NOT clauses and, when
// there is no MUST clause, at least one SHOULD clause).
// Order (request.order): score descending, or published_at descending /
// ascending (no date = oldest); ties by external id ascending. With
// `search_after`, only hits strictly after that key are returned (cursor
// paging); total_hits still counts every match.
//
// Facets (request.facets) are counted over every match (facet_counter.h);
// with `with_duplicate_clusters` each hit carries its duplicate cluster.
//
// Ranked by score without facets, a plain keyword plan runs document at a
// time with block-max MaxScore (top_k_search.h): matches are counted
// exactly up to request.total_hits_threshold (0 = 1,000), then the count
// may become a lower bound (total_hits_is_lower_bound). Every other request
// is evaluated set at a time (query_evaluator.h) and counted exactly.
//
//   ShardSearcher searcher(store, &postings, snapshot, defaults);
//   absl::StatusOr<v1::ShardSearchResponse> response = searcher.Search(request);
#ifndef LOUPE_SERVICES_INDEX_SHARD_SEARCHER_H_
#define LOUPE_SERVICES_INDEX_SHARD_SEARCHER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/common/rocksdb_store.h"
#include "services/index/bm25.h"
#include "services/index/external_id_cache.h"
#include "services/index/hit_collector.h"
#include "services/index/posting_store.h"
#include "services/index/query_evaluator.h"
#include "services/index/search_term_records.h"

namespace loupe {

// Matches counted exactly before pruning may start, when the request does
// not say.
inline constexpr uint64_t kDefaultTotalHitsThreshold = 1000;

class ShardSearcher {
 public:
  // Not owned; all must outlive the searcher. `defaults` fill the request's
  // zero ScoringParams. `local_collection` (nullable): this shard's own
  // collection statistics at `snapshot`, for requests with
  // local_statistics (refused without it). `ids` (nullable): the shard's
  // cache of external ids (external_id_cache.h).
  ShardSearcher(const RocksStore* store, const PostingStore* postings,
                const rocksdb::Snapshot* snapshot, const Bm25Params& defaults,
                const v1::CollectionStats* local_collection = nullptr,
                ExternalIdCache* ids = nullptr)
      : store_(store),
        postings_(postings),
        snapshot_(snapshot),
        defaults_(defaults),
        local_collection_(local_collection),
        ids_(ids) {}

  absl::StatusOr<v1::ShardSearchResponse> Search(const v1::ShardSearchRequest& request) const;

  // The score of one document for request.search's plan, per scored leaf
  // and field (QueryEvaluator::ExplainDocument); found = false when the id
  // is not a live document of the shard.
  absl::StatusOr<v1::ShardExplainResponse> Explain(const v1::ShardExplainRequest& request) const;

 private:
  // BM25 parameters and statistics of a (validated) request: the global
  // ones it carries, or with local_statistics this shard's own, read with
  // the plan's term records into `*records` for the cursors to reuse.
  absl::StatusOr<ScoringContext> ResolveScoring(const v1::ShardSearchRequest& request,
                                                SearchTermRecords* records) const;
  // Appends `hits` (best first) to the response.
  absl::Status AddHits(const v1::ShardSearchRequest& request, std::vector<CollectedHit> hits,
                       v1::ShardSearchResponse* response) const;
  // Stored duplicate_cluster of a docid, or `id` when it has none.
  absl::StatusOr<std::string> DuplicateCluster(uint32_t docid, const std::string& id) const;

  const RocksStore* store_;
  const PostingStore* postings_;
  const rocksdb::Snapshot* snapshot_;
  Bm25Params defaults_;
  const v1::CollectionStats* local_collection_;
  ExternalIdCache* ids_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SHARD_SEARCHER_H_
