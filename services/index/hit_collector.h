// HitCollector: the best `limit` hits of one shard in a request's order
// (score descending, or date descending / ascending; ties by external id
// ascending), strictly after an optional cursor (search_after). Ids and
// dates are read from the snapshot only when they can matter (a date sort,
// a tie on the primary key, a returned hit).
//
// For score order, EntryScore() is the lowest score a new hit needs to be
// kept once the collector is full: a document whose score bound is below it
// can be skipped (top_k_search.h). Equal scores still compete on the id.
// Ids are looked up in an ExternalIdCache first when one is given.
//
//   HitCollector collector(store, snapshot, &dates, request.order(), limit, after, &ids);
//   LOUPE_RETURN_IF_ERROR(collector.Offer(docid, score));
//   absl::StatusOr<std::vector<CollectedHit>> hits = collector.TakeSorted();
#ifndef LOUPE_SERVICES_INDEX_HIT_COLLECTOR_H_
#define LOUPE_SERVICES_INDEX_HIT_COLLECTOR_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/common/rocksdb_store.h"
#include "services/index/document_metadata.h"
#include "services/index/external_id_cache.h"

namespace loupe {

struct CollectedHit {
  uint32_t docid = 0;
  double score = 0;
  int64_t date = kNoDate;
  // Read from the snapshot only when needed: to break a tie, or for a hit
  // that is returned.
  std::string id;
  bool id_loaded = false;
};

class HitCollector {
 public:
  // Not owned; all must outlive the collector. `after` and `ids` may be
  // null.
  HitCollector(const RocksStore* store, const rocksdb::Snapshot* snapshot,
               const DateReader* dates, v1::HitOrder order, size_t limit,
               const v1::HitKey* after, ExternalIdCache* ids = nullptr);

  // Offers a matching document. A score below every kept one in score
  // order is turned away inline (most offers, once the collector is full).
  absl::Status Offer(uint32_t docid, double score) {
    if (order_ == v1::HIT_ORDER_SCORE && heap_.size() == limit_ && !heap_.empty() &&
        score < heap_.front().score && status_.ok()) {
      return absl::OkStatus();
    }
    return OfferRanked(docid, score);
  }

  // Score order only: -infinity until `limit` hits are kept, then the
  // worst kept score.
  double EntryScore() const {
    return heap_.size() < limit_ ? -std::numeric_limits<double>::infinity()
                                 : heap_.front().score;
  }

  // The kept hits, best first, with their ids; the collector is empty
  // afterwards.
  absl::StatusOr<std::vector<CollectedHit>> TakeSorted();

 private:
  // Offer past the inline check.
  absl::Status OfferRanked(uint32_t docid, double score);
  absl::StatusOr<std::string> ExternalId(uint32_t docid) const;
  // Strict "a ranks before b"; reads ids on a tie (errors go to status_).
  bool RanksBefore(CollectedHit& a, CollectedHit& b);
  void LoadId(CollectedHit* hit);
  // Restores the heap after its front (the worst kept hit) was replaced by
  // a better one: one pass down instead of a pop and a push.
  void SiftDownFront();
  // Loads the ids of every hit in heap_ that has none, in one MultiGet.
  void LoadIds();
  // The error of looking up `docid`'s id (NOT_FOUND: postings without id).
  static absl::Status IdLookupStatus(uint32_t docid, const rocksdb::Status& status);

  const RocksStore* store_;
  const rocksdb::Snapshot* snapshot_;
  const DateReader* dates_;
  v1::HitOrder order_;
  size_t limit_;
  const v1::HitKey* after_;
  ExternalIdCache* ids_;
  // Heap with the worst kept hit at front().
  std::vector<CollectedHit> heap_;
  // First error of a lazy id read.
  absl::Status status_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_HIT_COLLECTOR_H_
