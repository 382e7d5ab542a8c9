#include "services/common/rocksdb_store.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/slice_transform.h"

namespace loupe {
namespace {

std::string FreshDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("loupe-store-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(RocksStoreTest, OpensFamiliesAndPersists) {
  const std::string dir = FreshDir("persist");
  {
    auto store = RocksStore::Open(dir, {"meta", "documents"}, RocksOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->db()
                    ->Put((*store)->durable_write(), (*store)->Family("documents"), "k", "v")
                    .ok());
  }
  auto reopened = RocksStore::Open(dir, {"meta", "documents"}, RocksOptions());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto value = (*reopened)->Get("documents", "k");
  ASSERT_TRUE(value.ok());
  ASSERT_TRUE(value->has_value());
  EXPECT_EQ(**value, "v");
  auto missing = (*reopened)->Get("documents", "absent");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  std::filesystem::remove_all(dir);
}

// The row cache must never answer a read with another version of the key:
// older snapshots keep their value across overwrites and flushes, and a
// value still in the memtable wins over a cached one from a file.
TEST(RocksStoreTest, RowCacheKeepsSnapshotsExact) {
  const std::string dir = FreshDir("rowcache");
  RocksOptions options;
  options.row_cache_mb = 1;
  auto store = RocksStore::Open(dir, {"terms"}, options);
  ASSERT_TRUE(store.ok()) << store.status();
  rocksdb::DB* db = (*store)->db();
  rocksdb::ColumnFamilyHandle* terms = (*store)->Family("terms");
  const auto get = [&](const rocksdb::Snapshot* snapshot) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    std::string value;
    rocksdb::Status status = db->Get(read, terms, "storm", &value);
    return status.ok() ? value : status.ToString();
  };
  ASSERT_TRUE(db->Put((*store)->durable_write(), terms, "storm", "v1").ok());
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), terms).ok());
  EXPECT_EQ(get(nullptr), "v1");  // now cached
  EXPECT_EQ(get(nullptr), "v1");
  const rocksdb::Snapshot* before = db->GetSnapshot();
  ASSERT_TRUE(db->Put((*store)->durable_write(), terms, "storm", "v2").ok());
  EXPECT_EQ(get(nullptr), "v2");  // memtable
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), terms).ok());
  EXPECT_EQ(get(nullptr), "v2");
  EXPECT_EQ(get(before), "v1");
  EXPECT_EQ(get(before), "v1");
  db->ReleaseSnapshot(before);
  ASSERT_TRUE(db->Delete((*store)->durable_write(), terms, "storm").ok());
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), terms).ok());
  EXPECT_THAT(get(nullptr), ::testing::HasSubstr("NotFound"));
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(RocksStoreTest, RefusesAnotherShardCount) {
  const std::string dir = FreshDir("shards");
  {
    auto store = RocksStore::Open(dir, {"meta"}, RocksOptions());
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->CheckOrRecordShardCount("meta", 2).ok());
    EXPECT_TRUE((*store)->CheckOrRecordShardCount("meta", 2).ok());
  }
  auto store = RocksStore::Open(dir, {"meta"}, RocksOptions());
  ASSERT_TRUE(store.ok());
  absl::Status status = (*store)->CheckOrRecordShardCount("meta", 3);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("cluster of 2 shards"));
  std::filesystem::remove_all(dir);
}

// A family's tuning reaches that family only, and a memtable without
// concurrent inserts turns them off for the database (RocksDB refuses to
// open otherwise); prefix scans then work within a prefix. (A hashed
// memtable takes the prefix of every key: all are 2 bytes or more here.)
TEST(RocksStoreTest, FamilyTuningChangesItsFamilyOnly) {
  const std::string dir = FreshDir("tuning");
  const FamilyTuning tuning = {{"scanned", [](rocksdb::ColumnFamilyOptions* options) {
                                  options->prefix_extractor.reset(
                                      rocksdb::NewFixedPrefixTransform(2));
                                  options->memtable_factory.reset(
                                      rocksdb::NewHashSkipListRepFactory());
                                }}};
  auto store = RocksStore::Open(dir, {"scanned", "plain"}, RocksOptions(), tuning);
  ASSERT_TRUE(store.ok()) << store.status();
  rocksdb::DB* db = (*store)->db();
  rocksdb::ColumnFamilyHandle* scanned = (*store)->Family("scanned");
  EXPECT_NE(db->GetOptions(scanned).prefix_extractor, nullptr);
  EXPECT_EQ(db->GetOptions((*store)->Family("plain")).prefix_extractor, nullptr);
  EXPECT_FALSE(db->GetDBOptions().allow_concurrent_memtable_write);
  for (const char* key : {"aa1", "ab1", "aa2", "ba1"}) {
    ASSERT_TRUE(db->Put((*store)->durable_write(), scanned, key, "v").ok());
  }
  rocksdb::ReadOptions read;
  read.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, scanned));
  std::vector<std::string> keys;
  for (it->Seek("aa"); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  EXPECT_THAT(keys, ::testing::ElementsAre("aa1", "aa2"));
  it.reset();
  store->reset();
  std::filesystem::remove_all(dir);
}

// A family with insert hints holds exactly what was written, whatever the
// order of the keys within a batch (ascending as the hints expect, then
// descending and shuffled), with overwrites and deletes, across prefixes
// and keys that are their prefix alone, before and after a flush.
TEST(RocksStoreTest, InsertHintsKeepEveryKey) {
  const std::string dir = FreshDir("hints");
  auto store =
      RocksStore::Open(dir, {"hinted"}, RocksOptions(), {{"hinted", InsertHintByPrefix(1)}});
  ASSERT_TRUE(store.ok()) << store.status();
  rocksdb::DB* db = (*store)->db();
  rocksdb::ColumnFamilyHandle* hinted = (*store)->Family("hinted");
  ASSERT_NE(db->GetOptions(hinted).memtable_insert_with_hint_prefix_extractor, nullptr);

  std::map<std::string, std::string> expected;
  std::mt19937 random(7);
  for (int round = 0; round < 12; ++round) {
    std::vector<std::string> keys;
    for (int i = 0; i < 300; ++i) {
      const char prefix = "abc"[random() % 3];
      keys.push_back(i % 50 == 0 ? std::string(1, prefix)
                                 : prefix + std::to_string(random() % 2000));
    }
    std::sort(keys.begin(), keys.end());
    if (round % 3 == 1) std::reverse(keys.begin(), keys.end());
    if (round % 3 == 2) std::shuffle(keys.begin(), keys.end(), random);
    rocksdb::WriteBatch batch;
    for (const std::string& key : keys) {
      if (random() % 5 == 0) {
        ASSERT_TRUE(batch.Delete(hinted, key).ok());
        expected.erase(key);
      } else {
        const std::string value = absl::StrCat(round, "/", key);
        ASSERT_TRUE(batch.Put(hinted, key, value).ok());
        expected[key] = value;
      }
    }
    ASSERT_TRUE(db->Write((*store)->durable_write(), &batch).ok());
    if (round == 6) ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), hinted).ok());
  }
  std::map<std::string, std::string> stored;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), hinted));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    stored[it->key().ToString()] = it->value().ToString();
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(stored, expected);
  it.reset();
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(RocksStoreTest, RejectsUnknownCompression) {
  RocksOptions options;
  options.compression = "gzip9";
  auto store = RocksStore::Open(FreshDir("compression"), {"meta"}, options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RocksStoreTest, CheckpointIsAReadableCopy) {
  const std::string dir = FreshDir("checkpoint");
  const std::string copy = dir + "-copy";
  std::filesystem::remove_all(copy);
  {
    auto store = RocksStore::Open(dir, {"meta"}, RocksOptions());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->db()->Put((*store)->durable_write(), (*store)->Family("meta"), "a", "1").ok());
    ASSERT_TRUE((*store)->Checkpoint(copy).ok());
  }
  auto restored = RocksStore::Open(copy, {"meta"}, RocksOptions());
  ASSERT_TRUE(restored.ok());
  auto value = (*restored)->Get("meta", "a");
  ASSERT_TRUE(value.ok() && value->has_value());
  EXPECT_EQ(**value, "1");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(copy);
}

}  // namespace
}  // namespace loupe
