#include "services/index/hit_collector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"
#include "services/index/index_schema.h"

namespace loupe {
namespace {

// Compares the primary keys of two hits in `order`: < 0 when `a` ranks
// before `b`, 0 when equal (the id decides), > 0 after.
int ComparePrimary(v1::HitOrder order, double a_score, int64_t a_date, double b_score,
                   int64_t b_date) {
  switch (order) {
    case v1::HIT_ORDER_DATE_DESC:
      return a_date > b_date ? -1 : a_date < b_date ? 1 : 0;
    case v1::HIT_ORDER_DATE_ASC:
      return a_date < b_date ? -1 : a_date > b_date ? 1 : 0;
    default:
      return a_score > b_score ? -1 : a_score < b_score ? 1 : 0;
  }
}

}  // namespace

HitCollector::HitCollector(const RocksStore* store, const rocksdb::Snapshot* snapshot,
                           const DateReader* dates, v1::HitOrder order, size_t limit,
                           const v1::HitKey* after, ExternalIdCache* ids)
    : store_(store),
      snapshot_(snapshot),
      dates_(dates),
      order_(order),
      limit_(limit),
      after_(after),
      ids_(ids) {
  heap_.reserve(std::min<size_t>(limit, 1024));
}

bool HitCollector::RanksBefore(CollectedHit& a, CollectedHit& b) {
  const int primary = ComparePrimary(order_, a.score, a.date, b.score, b.date);
  if (primary != 0) return primary < 0;
  // Equal primary keys are rare: ids are read only then.
  LoadId(&a);
  LoadId(&b);
  return a.id < b.id;
}

void HitCollector::LoadId(CollectedHit* hit) {
  if (hit->id_loaded) return;
  absl::StatusOr<std::string> id = ExternalId(hit->docid);
  if (!id.ok()) {
    if (status_.ok()) status_ = id.status();
    return;
  }
  hit->id = *std::move(id);
  hit->id_loaded = true;
}

absl::StatusOr<std::string> HitCollector::ExternalId(uint32_t docid) const {
  std::string id;
  if (ids_ != nullptr && ids_->Find(docid, &id)) return id;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  rocksdb::Status status =
      store_->db()->Get(read, store_->Family(kIdsFamily), StoredKey(docid), &id);
  LOUPE_RETURN_IF_ERROR(IdLookupStatus(docid, status));
  if (ids_ != nullptr) ids_->Insert(docid, id);
  return id;
}

absl::Status HitCollector::IdLookupStatus(uint32_t docid, const rocksdb::Status& status) {
  if (status.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("docid ", docid, " has postings but no id"));
  }
  return FromRocksDb(status, "rocksdb get ids");
}

void HitCollector::LoadIds() {
  std::vector<CollectedHit*> missing;
  std::vector<std::string> keys;
  for (CollectedHit& hit : heap_) {
    if (hit.id_loaded) continue;
    if (ids_ != nullptr && ids_->Find(hit.docid, &hit.id)) {
      hit.id_loaded = true;
      continue;
    }
    missing.push_back(&hit);
    keys.push_back(StoredKey(hit.docid));
  }
  if (missing.empty()) return;
  std::vector<rocksdb::Slice> key_slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  store_->db()->MultiGet(read, store_->Family(kIdsFamily), keys.size(), key_slices.data(),
                         values.data(), statuses.data());
  for (size_t i = 0; i < missing.size(); ++i) {
    absl::Status status = IdLookupStatus(missing[i]->docid, statuses[i]);
    if (!status.ok()) {
      if (status_.ok()) status_ = std::move(status);
      return;
    }
    missing[i]->id = values[i].ToString();
    missing[i]->id_loaded = true;
    if (ids_ != nullptr) ids_->Insert(missing[i]->docid, missing[i]->id);
  }
}

absl::Status HitCollector::OfferRanked(uint32_t docid, double score) {
  int64_t date = kNoDate;
  if (order_ != v1::HIT_ORDER_SCORE) {
    absl::StatusOr<int64_t> seconds = dates_->Seconds(docid);
    if (!seconds.ok()) return seconds.status();
    date = *seconds;
  }
  CollectedHit hit{docid, score, date, std::string(), false};
  if (after_ != nullptr) {
    const int after_primary =
        ComparePrimary(order_, score, date, after_->score(), after_->date_seconds());
    if (after_primary < 0) return absl::OkStatus();  // Ranks before the cursor: an earlier page.
    if (after_primary == 0) {
      LoadId(&hit);
      if (!status_.ok()) return status_;
      if (hit.id <= after_->id()) return absl::OkStatus();
    }
  }
  auto ranks_before = [this](CollectedHit& a, CollectedHit& b) { return RanksBefore(a, b); };
  if (heap_.size() < limit_) {
    heap_.push_back(std::move(hit));
    std::push_heap(heap_.begin(), heap_.end(), ranks_before);
  } else if (RanksBefore(hit, heap_.front())) {
    heap_.front() = std::move(hit);
    SiftDownFront();
  }
  return status_;
}

void HitCollector::SiftDownFront() {
  const size_t size = heap_.size();
  size_t at = 0;
  while (true) {
    // The child that ranks last (if it ranks after `at`) moves up.
    size_t last = at;
    for (size_t child = 2 * at + 1; child <= 2 * at + 2 && child < size; ++child) {
      if (RanksBefore(heap_[last], heap_[child])) last = child;
    }
    if (last == at) return;
    std::swap(heap_[at], heap_[last]);
    at = last;
  }
}

absl::StatusOr<std::vector<CollectedHit>> HitCollector::TakeSorted() {
  auto ranks_before = [this](CollectedHit& a, CollectedHit& b) { return RanksBefore(a, b); };
  std::sort(heap_.begin(), heap_.end(), ranks_before);
  LoadIds();
  if (!status_.ok()) return status_;
  return std::move(heap_);
}

}  // namespace loupe
