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
//
// It keeps, under the same protocol, the sealed blocks of the posting lists
// that searches walk (sealed_list.h), in a bound of their own. Every change
// to a list's blocks also writes its term record (posting_store.h), so the
// keys BeginWrite is given forget the lists as well as the records.
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
//   SharedSealedList list = cache.FindList(key, snapshot->GetSequenceNumber());
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
#include "services/index/sealed_list.h"

namespace loupe {

struct TermRecord;  // posting_store.h

class TermReadCache {
 public:
  // A decoded term record; nullptr when the term has none.
  using Record = std::shared_ptr<const TermRecord>;

  // `max_bytes` bounds the records' memory (EntryBytes each), and
  // `max_list_bytes` the sealed lists'; 0 caches none of them.
  explicit TermReadCache(size_t max_bytes, size_t max_list_bytes = 0)
      : max_bytes_(max_bytes), max_list_bytes_(max_list_bytes) {}

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

  // Whether lists are kept at all (a reader that cannot keep what it reads
  // walks the list in RocksDB instead of copying it).
  bool keeps_lists() const { return max_list_bytes_ > 0; }
  // The most bytes one list may take (InsertList).
  size_t max_bytes_per_list() const { return max_list_bytes_ / 4; }
  // The sealed blocks of `term_key` as seen by a snapshot at
  // `snapshot_sequence`; nullptr when unknown.
  SharedSealedList FindList(absl::string_view term_key, uint64_t snapshot_sequence) const
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Offers the sealed blocks of `term_key` read at a snapshot at
  // `snapshot_sequence`; kept only if they are current, and if they take at
  // most a quarter of the lists' bound (one long list does not push out
  // every other). When the bound would be passed, the lists already kept
  // are forgotten first.
  void InsertList(std::string term_key, SharedSealedList list, uint64_t snapshot_sequence)
      ABSL_LOCKS_EXCLUDED(mutex_);

  // The writer is about to write the records of `term_keys`.
  void BeginWrite(const std::vector<std::string>& term_keys) ABSL_LOCKS_EXCLUDED(mutex_);
  // The write is over: committed (`written`) or not, every write is at or
  // below `latest_sequence`. When it failed, its outcome is unknown and
  // everything is forgotten.
  void EndWrite(uint64_t latest_sequence, bool written) ABSL_LOCKS_EXCLUDED(mutex_);

  size_t bytes() const ABSL_LOCKS_EXCLUDED(mutex_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mutex_);
  size_t list_bytes() const ABSL_LOCKS_EXCLUDED(mutex_);
  size_t list_count() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  // Map slot, key string, record and shared_ptr control block, roughly.
  static constexpr size_t kEntryOverhead = 160;

  struct Entry {
    Record record;
    uint64_t valid_from = 0;  // serves snapshots at or above this sequence
  };
  struct ListEntry {
    SharedSealedList list;
    uint64_t valid_from = 0;
  };

  // What a list entry is counted for.
  static size_t ListEntryBytes(absl::string_view key, const SharedSealedList& list) {
    return kEntryOverhead + key.size() + list->MemoryBytes();
  }
  // Whether what a snapshot at `snapshot_sequence` read is current: no write
  // under way, and the snapshot sees every write so far.
  bool CurrentLocked(uint64_t snapshot_sequence) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return !writing_ && snapshot_sequence >= last_write_;
  }
  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    entries_.clear();
    bytes_ = 0;
  }
  void ClearListsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    lists_.clear();
    list_bytes_ = 0;
  }

  const size_t max_bytes_;
  const size_t max_list_bytes_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::flat_hash_map<std::string, ListEntry> lists_ ABSL_GUARDED_BY(mutex_);
  size_t list_bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t last_write_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_TERM_READ_CACHE_H_
