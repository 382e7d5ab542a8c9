// ReadableWriteBatch: a rocksdb::WriteBatch that reads back what it holds in
// chosen column families, for writers whose later operations must see the
// earlier ones of the same batch (an id written twice in one request, a
// near-duplicate of a document of the same request).
//
// rocksdb::WriteBatchWithIndex does this for every entry, in one skip list
// ordered by family and key, and its reads merge that list with the
// database entry by entry. In loupe-ingest its inserts, lookups and merged
// iterators were 15 % of the CPU, mostly spent on entries nobody reads back
// (outbox operations, counters). Here only the readable families keep a
// copy of their entries, in a sorted map per family; the others only go to
// the WriteBatch. Write adds the readable families' entries to it last, in
// key order (only the last entry of a key: the same outcome), so that the
// memtable's inserts follow one another instead of landing at random.
//
// Not thread-safe. Reads see the database as `db` or `base` show it, with
// this batch's entries of the family on top (a Delete hides a stored key).
//
//   ReadableWriteBatch batch({documents});
//   LOUPE_RETURN_IF_ERROR(batch.Put(documents, "id-1", record));
//   absl::StatusOr<std::optional<std::string>> value = batch.Get(db, documents, "id-1");
//   // *value holds record, before anything is written
//   LOUPE_RETURN_IF_ERROR(batch.Write(db, options, "write documents"));
#ifndef LOUPE_SERVICES_COMMON_READABLE_WRITE_BATCH_H_
#define LOUPE_SERVICES_COMMON_READABLE_WRITE_BATCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace loupe {

class ReadableWriteBatch {
 public:
  // Entries of `readable_families` can be read back; the handles are not
  // owned.
  explicit ReadableWriteBatch(const std::vector<rocksdb::ColumnFamilyHandle*>& readable_families);

  absl::Status Put(rocksdb::ColumnFamilyHandle* family, absl::string_view key,
                   absl::string_view value);
  absl::Status Delete(rocksdb::ColumnFamilyHandle* family, absl::string_view key);

  // The value of `key` in a readable `family` once the batch is written:
  // the batch's last entry for it, else the database's (latest); nullopt
  // when there is none or the batch deletes it. Reading a family that is
  // not readable is INTERNAL (a programming error).
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::DB* db,
                                                 rocksdb::ColumnFamilyHandle* family,
                                                 absl::string_view key) const;

  // Calls `visit(key, value)`, in key order, for each entry of a readable
  // `family` whose key starts with `prefix` once the batch is written; stops
  // when `visit` returns false. `base` is an iterator over `family` that can
  // Seek to `prefix` (one made with prefix_same_as_start is enough).
  absl::Status ScanPrefix(
      rocksdb::Iterator* base, rocksdb::ColumnFamilyHandle* family, absl::string_view prefix,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)> visit) const;

  // Entries added here directly go to the database as they are and cannot
  // be read back: only for families that are not readable.
  rocksdb::WriteBatch* unreadable_entries() { return &batch_; }

  // Writes every entry in one atomic write; `what` names the write in the
  // error. Call it once: the batch is spent after it, whatever it returns.
  absl::Status Write(rocksdb::DB* db, const rocksdb::WriteOptions& options, absl::string_view what);

 private:
  // Key -> value, or nullopt for a Delete.
  using Entries = absl::btree_map<std::string, std::optional<std::string>>;

  // The readable copy of `family`, or nullptr when it is not readable.
  Entries* Readable(rocksdb::ColumnFamilyHandle* family);
  // The same for reading; INTERNAL when `family` is not readable.
  absl::StatusOr<const Entries*> ReadableForRead(rocksdb::ColumnFamilyHandle* family) const;

  rocksdb::WriteBatch batch_;
  struct ReadableFamily {
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    Entries entries;
  };
  absl::flat_hash_map<uint32_t, ReadableFamily> readable_;  // by column family id
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_READABLE_WRITE_BATCH_H_
