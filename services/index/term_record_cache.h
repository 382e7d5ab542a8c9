// TermRecordCache: the term records an index shard's writer wrote last,
// kept encoded in memory, so that the next batch touching a frequent term
// reads its record from here instead of searching the memtable (perf under
// ingest: MemTable Get of term records was a fifth of a shard's CPU).
//
// Only the shard's single writer uses it (IndexEngine::Apply, under its
// mutex; searches read snapshots from RocksDB and never see it). A batch
// collects the records it writes in a Written map, and the writer installs
// them only after the batch is committed: the cache never holds a record
// the database does not. A record the writer deleted is cached as "absent".
// It is bounded by bytes: when an install would pass the bound, the cache
// is emptied first (the frequent terms come back with the next batch).
//
//   TermRecordCache cache(/*max_bytes=*/64 << 20);
//   TermRecordCache::Written written;
//   LOUPE_RETURN_IF_ERROR(postings.Apply(&batch, key, changes, &cache, &written));
//   if (db->Write(options, &batch).ok()) cache.Install(std::move(written));
#ifndef LOUPE_SERVICES_INDEX_TERM_RECORD_CACHE_H_
#define LOUPE_SERVICES_INDEX_TERM_RECORD_CACHE_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace loupe {

class TermRecordCache {
 public:
  // Term key -> encoded term record as a batch wrote it; empty when the
  // batch deleted the term's record (no posting left).
  using Written = absl::flat_hash_map<std::string, std::string>;

  // `max_bytes` bounds the memory of the entries (EntryBytes each); 0
  // caches nothing.
  explicit TermRecordCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // What one entry is counted for: its key and record, and the map slot
  // and string headers around them (most records are a few bytes, so the
  // overhead is most of an entry).
  static size_t EntryBytes(const std::string& key, const std::string& record) {
    return sizeof(std::pair<const std::string, std::string>) + kSlotOverhead + key.size() +
           record.size();
  }

  // The record of `term_key` as last committed: nullptr when not cached,
  // an empty string when the term has no record.
  const std::string* Find(absl::string_view term_key) const {
    auto it = records_.find(term_key);
    return it == records_.end() ? nullptr : &it->second;
  }

  // Takes the records of a committed batch.
  void Install(Written written);

  // Forgets everything (after a write whose outcome is unknown).
  void Clear() {
    records_.clear();
    bytes_ = 0;
  }

  size_t bytes() const { return bytes_; }
  size_t size() const { return records_.size(); }

 private:
  // The hash map's control byte and spare capacity, roughly, per entry.
  static constexpr size_t kSlotOverhead = 16;

  size_t max_bytes_;
  size_t bytes_ = 0;
  absl::flat_hash_map<std::string, std::string> records_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_TERM_RECORD_CACHE_H_
