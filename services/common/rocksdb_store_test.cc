#include "services/common/rocksdb_store.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

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
