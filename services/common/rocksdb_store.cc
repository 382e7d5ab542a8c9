#include "services/common/rocksdb_store.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "services/common/metrics.h"
#include "services/common/status_util.h"

ABSL_FLAG(uint64_t, rocksdb_block_cache_mb, 256, "RocksDB block cache size, MiB");
ABSL_FLAG(uint64_t, rocksdb_row_cache_mb, 64,
          "RocksDB row cache (point-lookup results) size, MiB; 0 disables it "
          "(loupe-ingest always runs without: it trims with DeleteRange)");
ABSL_FLAG(std::string, rocksdb_compression, "lz4",
          "RocksDB block compression: lz4, zstd, snappy or none");
ABSL_FLAG(int32_t, rocksdb_bloom_bits_per_key, 10,
          "RocksDB bloom filter bits per key (0 disables bloom filters)");
ABSL_FLAG(bool, rocksdb_sync_writes, true,
          "Sync the RocksDB WAL before acknowledging a write (durable acks)");
ABSL_FLAG(uint64_t, rocksdb_write_buffer_mb, 64, "RocksDB memtable size per column family, MiB");

namespace loupe {
namespace {

rocksdb::CompressionType ParseCompression(absl::string_view name) {
  if (name == "zstd") return rocksdb::kZSTD;
  if (name == "snappy") return rocksdb::kSnappyCompression;
  if (name == "none") return rocksdb::kNoCompression;
  return rocksdb::kLZ4Compression;
}

rocksdb::ColumnFamilyOptions FamilyOptions(const RocksOptions& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions family;
  family.compression = ParseCompression(options.compression);
  family.bottommost_compression =
      options.compression == "none" ? rocksdb::kNoCompression : rocksdb::kZSTD;
  family.write_buffer_size = options.write_buffer_mb << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = 16 * 1024;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  if (options.bloom_bits_per_key > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
  }
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  family.level_compaction_dynamic_level_bytes = true;
  return family;
}

}  // namespace

std::function<void(rocksdb::ColumnFamilyOptions*)> InsertHintByPrefix(size_t prefix_bytes) {
  return [prefix_bytes](rocksdb::ColumnFamilyOptions* options) {
    options->memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(prefix_bytes));
  };
}

RocksOptions RocksOptionsFromFlags() {
  RocksOptions options;
  options.block_cache_mb = absl::GetFlag(FLAGS_rocksdb_block_cache_mb);
  options.row_cache_mb = absl::GetFlag(FLAGS_rocksdb_row_cache_mb);
  options.compression = absl::GetFlag(FLAGS_rocksdb_compression);
  options.bloom_bits_per_key = absl::GetFlag(FLAGS_rocksdb_bloom_bits_per_key);
  options.sync_writes = absl::GetFlag(FLAGS_rocksdb_sync_writes);
  options.write_buffer_mb = absl::GetFlag(FLAGS_rocksdb_write_buffer_mb);
  return options;
}

absl::StatusOr<std::unique_ptr<RocksStore>> RocksStore::Open(
    const std::string& path, const std::vector<std::string>& families,
    const RocksOptions& options, const FamilyTuning& tuning) {
  if (options.compression != "lz4" && options.compression != "zstd" &&
      options.compression != "snappy" && options.compression != "none") {
    return absl::InvalidArgumentError(
        absl::StrCat("--rocksdb_compression: unknown compression '", options.compression, "'"));
  }
  auto cache = rocksdb::NewLRUCache(options.block_cache_mb << 20);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 5;
  if (options.row_cache_mb > 0) {
    db_options.row_cache = rocksdb::NewLRUCache(options.row_cache_mb << 20);
  }

  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  for (const auto& name : families) {
    if (name != rocksdb::kDefaultColumnFamilyName) names.push_back(name);
  }
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, path, &existing).ok()) {
    for (const auto& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) {
    rocksdb::ColumnFamilyOptions family = FamilyOptions(options, cache);
    auto tune = tuning.find(name);
    if (tune != tuning.end()) tune->second(&family);
    if (!family.memtable_factory->IsInsertConcurrentlySupported()) {
      db_options.allow_concurrent_memtable_write = false;
    }
    descriptors.emplace_back(name, std::move(family));
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw_db);
  if (!status.ok()) return FromRocksDb(status, absl::StrCat("open ", path));

  std::unique_ptr<RocksStore> store(new RocksStore());
  store->db_.reset(raw_db);
  for (size_t i = 0; i < names.size(); ++i) store->families_[names[i]] = handles[i];
  store->durable_write_.sync = options.sync_writes;
  store->row_cache_ = db_options.row_cache;
  if (!options.metrics_name.empty()) store->ExportMetrics(options.metrics_name);
  return store;
}

RocksStore::~RocksStore() {
  if (!metrics_name_.empty()) Metrics().RemoveGauges("db", metrics_name_);
  if (!db_) return;
  for (auto& [name, handle] : families_) db_->DestroyColumnFamilyHandle(handle);
  families_.clear();
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* RocksStore::Family(absl::string_view name) const {
  auto it = families_.find(name);
  if (it == families_.end()) {
    std::cerr << "BUG: unknown column family " << name << std::endl;
    std::abort();
  }
  return it->second;
}

absl::StatusOr<std::optional<std::string>> RocksStore::Get(absl::string_view family,
                                                           absl::string_view key) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), Family(family), ToSlice(key),
               &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return FromRocksDb(status, absl::StrCat("get ", family));
  return std::optional<std::string>(std::move(value));
}

uint64_t RocksStore::FamilySstBytes(absl::string_view family) const {
  uint64_t value = 0;
  db_->GetIntProperty(Family(family), "rocksdb.live-sst-files-size", &value);
  return value;
}

uint64_t RocksStore::DiskBytes() const {
  // Every file of the database folder (SST files, WAL, manifest): what the
  // data really occupies, including writes still only in the WAL.
  uint64_t total = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(db_->GetName(), error)) {
    if (entry.is_regular_file(error)) total += entry.file_size(error);
  }
  return total;
}

absl::Status RocksStore::CheckOrRecordShardCount(absl::string_view family, uint32_t shard_count) {
  constexpr absl::string_view kKey = "cluster/shard_count";
  auto recorded = Get(family, kKey);
  if (!recorded.ok()) return recorded.status();
  const std::string wanted = std::to_string(shard_count);
  if (recorded->has_value()) {
    if (**recorded != wanted) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--shard_count=", shard_count, " but this data folder belongs to a cluster of ",
          **recorded, " shards; start with --shard_count=", **recorded,
          " or Reindex into a new cluster"));
    }
    return absl::OkStatus();
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocksDb(db_->Put(sync, Family(family), ToSlice(kKey),
                              wanted),
                     "record shard count");
}

void RocksStore::ExportMetrics(const std::string& name) {
  metrics_name_ = name;
  auto property = [this](rocksdb::ColumnFamilyHandle* family, const std::string& key) {
    uint64_t value = 0;
    db_->GetIntProperty(family, key, &value);
    return static_cast<double>(value);
  };
  for (const auto& [family_name, handle] : families_) {
    const MetricLabels labels = {{"db", name}, {"family", family_name}};
    rocksdb::ColumnFamilyHandle* family = handle;
    Metrics().RegisterGauge("rocksdb_live_sst_bytes", "Live SST file bytes", labels,
                            [=] { return property(family, "rocksdb.live-sst-files-size"); });
    Metrics().RegisterGauge("rocksdb_memtable_bytes", "Memtable bytes", labels,
                            [=] { return property(family, "rocksdb.cur-size-all-mem-tables"); });
    Metrics().RegisterGauge("rocksdb_estimated_keys", "Estimated number of keys", labels,
                            [=] { return property(family, "rocksdb.estimate-num-keys"); });
  }
  Metrics().RegisterGauge("rocksdb_block_cache_usage_bytes", "Block cache bytes in use",
                          {{"db", name}}, [=] {
                            return property(db_->DefaultColumnFamily(),
                                            "rocksdb.block-cache-usage");
                          });
  if (row_cache_ != nullptr) {
    Metrics().RegisterGauge("rocksdb_row_cache_usage_bytes", "Row cache bytes in use",
                            {{"db", name}}, [cache = row_cache_] {
                              return static_cast<double>(cache->GetUsage());
                            });
  }
  Metrics().RegisterGauge("loupe_data_dir_bytes", "Bytes of the database folder's files",
                          {{"db", name}}, [this] { return static_cast<double>(DiskBytes()); });
}

absl::Status RocksStore::Checkpoint(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  LOUPE_RETURN_IF_ERROR(FromRocksDb(rocksdb::Checkpoint::Create(db_.get(), &raw),
                                    "create checkpoint object"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocksDb(checkpoint->CreateCheckpoint(dir), absl::StrCat("checkpoint to ", dir));
}

}  // namespace loupe
