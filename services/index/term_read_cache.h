// TermReadCache: term records as searches read them, kept decoded in memory
// and shared (by pointer) by every search of a shard, so that a query's
// terms are neither looked up in RocksDB nor decoded again (a MultiGet of a
// query's term records was a quarter of an AND query's instructions on
// small corpora).
//
// A search reads at a snapshot, and a record changes whenever a batch
// touches its term, so an entry must only serve snapshots that see the
// same value. The protocol:
//  - The single writer calls BeginWrite with the keys a batch is about to
//    write: they are forgotten, and nothing is inserted until EndWrite.
//  - After the write, EndWrite records the database's latest sequence
//    number (every write so far is at or below it).
//  - A search inserts what it read at snapshot S only when no write is in
//    progress and S is at or above that sequence number: it read the
//    current value. The entry is stamped with that sequence number.
//  - An entry serves a snapshot at or above its stamp: the value cannot
//    have changed in between, or BeginWrite would have forgotten it.
// It is bounded by bytes: when an insert would pass the bound, the cache is
// emptied first (the frequent terms come back with the next searches).
// Thread-safe.
//
//   TermReadCache cache(/*max_bytes=*/64 << 20);
//   // Writer:
//   cache.BeginWrite(keys_of_the_batch);
//   rocksdb::Status written = db->Write(options, &batch);
//   cache.EndWrite(db->GetLatestSequenceNumber(), written.ok());
//   // Search at `snapshot`:
//   std::vector<TermReadCache::Record> records;
//   std::vector<bool> known;
//   cache.FindAll(keys, snapshot->GetSequenceNumber(), &records, &known);
#ifndef LOUPE_SERVICES_INDEX_TERM_READ_CACHE_H_
#define LOUPE_SERVICES_INDEX_TERM_READ_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace loupe {

struct TermRecord;  // posting_store.h

class TermReadCache {
 public:
  // A decoded term record; nullptr when the term has none.
  using Record = std::shared_ptr<const TermRecord>;

  // `max_bytes` bounds the entries' memory (EntryBytes each); 0 caches
  // nothing.
  explicit TermReadCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  TermReadCache(const TermReadCache&) = delete;
  TermReadCache& operator=(const TermReadCache&) = delete;

  // What one entry is counted for: its key and record (impacts and tail),
  // and the map slot, strings and control block around them.
  static size_t EntryBytes(absl::string_view key, const Record& record);

  // For each key i, (*known)[i] is whether the cache can tell its record as
  // seen by a snapshot at `snapshot_sequence`, and (*records)[i] is that
  // record (nullptr: the term has none). One lock for all. Returns how many
  // were known.
  size_t FindAll(const std::vector<std::string>& term_keys, uint64_t snapshot_sequence,
                 std::vector<Record>* records, std::vector<bool>* known) const
      ABSL_LOCKS_EXCLUDED(mutex_);

  // Offers records read at a snapshot at `snapshot_sequence` (pairs of
  // key and record); kept only if they are current (see above).
  void Insert(std::vector<std::pair<std::string, Record>> read, uint64_t snapshot_sequence)
      ABSL_LOCKS_EXCLUDED(mutex_);

  // The writer is about to write the records of `term_keys`.
  void BeginWrite(const std::vector<std::string>& term_keys) ABSL_LOCKS_EXCLUDED(mutex_);
  // The write is over: committed (`written`) or not, every write is at or
  // below `latest_sequence`. When it failed, its outcome is unknown and
  // everything is forgotten.
  void EndWrite(uint64_t latest_sequence, bool written) ABSL_LOCKS_EXCLUDED(mutex_);

  size_t bytes() const ABSL_LOCKS_EXCLUDED(mutex_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  // Map slot, key string, record and shared_ptr control block, roughly.
  static constexpr size_t kEntryOverhead = 160;

  struct Entry {
    Record record;
    uint64_t valid_from = 0;  // serves snapshots at or above this sequence
  };

  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    entries_.clear();
    bytes_ = 0;
  }

  const size_t max_bytes_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t last_write_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_TERM_READ_CACHE_H_
