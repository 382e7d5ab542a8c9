// Opening a service's RocksDB with its column families, tuned from flags, and
// recording the cluster's identity in it.
//
// Every service keeps all its state in one RocksDB; column families are named
// for what they hold. Options (block cache, compression, bloom filters, WAL
// sync) are set on purpose and exposed as flags (see storage_flags below).
//
//   absl::StatusOr<std::unique_ptr<RocksStore>> store =
//       RocksStore::Open(dir, {"meta", "documents", "outbox"}, RocksOptionsFromFlags());
//   rocksdb::ColumnFamilyHandle* docs = (*store)->Family("documents");
#ifndef LOUPE_SERVICES_COMMON_ROCKSDB_STORE_H_
#define LOUPE_SERVICES_COMMON_ROCKSDB_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"

namespace loupe {

// absl::string_view and rocksdb::Slice view the same bytes; Debian's Abseil
// has its own string_view, which RocksDB's Slice does not take directly.
inline rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline absl::string_view ToStringView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

struct RocksOptions {
  // Shared LRU block cache for all column families, in MiB.
  uint64_t block_cache_mb = 256;
  // LRU cache of point-lookup results from SST files (RocksDB's row cache:
  // term records, document ids, stored fields), in MiB; 0 disables it. A
  // hit skips the filter, index and data block work of a Get; RocksDB keys
  // it by file and, for older snapshots, by sequence, so reads stay exact.
  // It does not see DeleteRange (facebook/rocksdb#4122): a store that uses
  // DeleteRange must turn it off (loupe-ingest does).
  uint64_t row_cache_mb = 64;
  // "lz4", "zstd", "snappy" or "none": compression of SST blocks.
  std::string compression = "lz4";
  // Bloom filter bits per key for point lookups (0 disables).
  int bloom_bits_per_key = 10;
  // Sync the WAL on every write that acknowledges data (durable acks).
  bool sync_writes = true;
  // Memtable size per column family, in MiB.
  uint64_t write_buffer_mb = 64;
  // When set, Open exports the store's gauges under db=<metrics_name>
  // (see ExportMetrics).
  std::string metrics_name;
};

// Options from the --rocksdb_* flags (each also read from LOUPE_ROCKSDB_*).
RocksOptions RocksOptionsFromFlags();

// Changes a service makes to one family's options after the common ones,
// for what only it knows about that family's keys (a prefix extractor for
// a family read by prefix, its memtable); family name -> change.
using FamilyTuning =
    absl::flat_hash_map<std::string, std::function<void(rocksdb::ColumnFamilyOptions*)>>;

// A tuning for a family whose writes come in key order within each group
// of keys sharing their first `prefix_bytes` bytes (a posting list's
// field byte; 0 for one group): RocksDB's memtable then keeps one insert hint
// per group and starts each insert from the group's previous one instead
// of from the top of its skip list. Shorter keys are inserted without one.
// Not for a family written with DeleteRange: RocksDB 7.8 uses the same
// hints for its range deletions' own skip list and corrupts it (a failed
// assertion in Debian's build; later RocksDB keeps hints to point keys).
std::function<void(rocksdb::ColumnFamilyOptions*)> InsertHintByPrefix(size_t prefix_bytes);

class RocksStore {
 public:
  // Opens (creating if missing) the database at `path` with the column
  // families `families` ("default" is always opened too). Unknown families
  // found on disk are opened as well, so nothing is silently dropped.
  // `tuning` changes the options of the families it names; a memtable that
  // cannot take concurrent inserts turns them off for the whole database.
  static absl::StatusOr<std::unique_ptr<RocksStore>> Open(
      const std::string& path, const std::vector<std::string>& families,
      const RocksOptions& options, const FamilyTuning& tuning = {});

  ~RocksStore();
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  // The handle of a family named at Open; aborts on an unknown name (a bug).
  rocksdb::ColumnFamilyHandle* Family(absl::string_view name) const;

  // Write options for acknowledged writes (sync per RocksOptions).
  const rocksdb::WriteOptions& durable_write() const { return durable_write_; }

  // Reads a key; a missing key is std::nullopt, not an error.
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view family,
                                                 absl::string_view key) const;

  // Size of the database folder's files (SST, WAL, manifest), in bytes.
  uint64_t DiskBytes() const;
  // Bytes of the live SST files of one column family (0 when unknown).
  uint64_t FamilySstBytes(absl::string_view family) const;

  // Records `shard_count` under "cluster/shard_count" in `family` the first
  // time; afterwards fails with FAILED_PRECONDITION if it differs, so a
  // process started with another N refuses to start.
  absl::Status CheckOrRecordShardCount(absl::string_view family, uint32_t shard_count);

  // Exports RocksDB gauges to Metrics(), labelled db=`name`: live SST bytes,
  // memtable bytes, block and row cache usage, estimated keys per column
  // family.
  // They are removed when the store is destroyed.
  void ExportMetrics(const std::string& name);

  // Writes a consistent checkpoint (hard links + copies) of the live DB into
  // `dir`, which must not exist yet.
  absl::Status Checkpoint(const std::string& dir) const;

 private:
  RocksStore() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families_;
  rocksdb::WriteOptions durable_write_;
  std::shared_ptr<rocksdb::Cache> row_cache_;  // nullptr when disabled
  std::string metrics_name_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ROCKSDB_STORE_H_
