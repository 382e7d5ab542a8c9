// ExternalIdCache: the external ids of the documents that searches return,
// by docid, kept in memory so that the ids of a page of hits are not read
// from RocksDB again (a MultiGet of ten ids was 4.5 % of a man pages OR
// query's instructions).
//
// It needs no invalidation: a docid is given to one document only
// (BatchWriter numbers documents from IndexState.next_docid, which only
// grows, and a write that fails leaves nothing visible), so the id read for
// a docid at any snapshot is its id at every snapshot that holds it. A
// search only asks for docids its snapshot holds; the entry of a deleted
// document is simply never asked for again.
//
// Direct-mapped: a docid's slot is fixed, and a new docid takes the slot
// over. Its memory is bounded: `entries` slots of about 40 bytes, plus the
// ids longer than a string's inline buffer (at most kMaxCachedIdBytes each).
// Thread-safe (striped locks).
//
//   ExternalIdCache cache(/*entries=*/1 << 16);
//   std::string id;
//   if (!cache.Find(docid, &id)) {
//     id = ...read from the ids family...;
//     cache.Insert(docid, id);
//   }
#ifndef LOUPE_SERVICES_INDEX_EXTERNAL_ID_CACHE_H_
#define LOUPE_SERVICES_INDEX_EXTERNAL_ID_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace loupe {

class ExternalIdCache {
 public:
  // `entries` is rounded down to a power of two; 0 turns the cache off.
  explicit ExternalIdCache(size_t entries);

  ExternalIdCache(const ExternalIdCache&) = delete;
  ExternalIdCache& operator=(const ExternalIdCache&) = delete;

  // Sets *id to the cached id of `docid`, if it is cached.
  bool Find(uint32_t docid, std::string* id) const;
  // Remembers that `docid` is the document `id`. Ids longer than
  // kMaxCachedIdBytes are not kept (they would make the memory unbounded).
  void Insert(uint32_t docid, absl::string_view id);

  static constexpr size_t kMaxCachedIdBytes = 256;

 private:
  struct Slot {
    bool used = false;
    uint32_t docid = 0;
    std::string id;
  };
  static constexpr size_t kStripes = 64;

  absl::Mutex& StripeOf(size_t slot) const { return stripes_[slot % kStripes]; }

  size_t mask_ = 0;  // slots_.size() - 1
  std::vector<Slot> slots_;
  std::unique_ptr<absl::Mutex[]> stripes_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_EXTERNAL_ID_CACHE_H_
