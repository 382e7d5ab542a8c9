#include "services/common/readable_write_batch.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/rocksdb_store.h"

namespace loupe {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

class ReadableWriteBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("loupe-readable-batch-test-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    absl::StatusOr<std::unique_ptr<RocksStore>> store =
        RocksStore::Open(dir_, {"readable", "plain"}, RocksOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    readable_ = store_->Family("readable");
    plain_ = store_->Family("plain");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // What ScanPrefix reports for `prefix`.
  KeyValues Scan(const ReadableWriteBatch& batch, const std::string& prefix) {
    std::unique_ptr<rocksdb::Iterator> base(
        store_->db()->NewIterator(rocksdb::ReadOptions(), readable_));
    KeyValues seen;
    absl::Status status = batch.ScanPrefix(
        base.get(), readable_, prefix, [&](absl::string_view k, absl::string_view v) {
          seen.emplace_back(std::string(k), std::string(v));
          return true;
        });
    EXPECT_TRUE(status.ok()) << status;
    return seen;
  }

  // The database's entries under `prefix`.
  KeyValues Stored(const std::string& prefix) {
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db()->NewIterator(rocksdb::ReadOptions(), readable_));
    KeyValues stored;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      stored.emplace_back(it->key().ToString(), it->value().ToString());
    }
    return stored;
  }

  std::string dir_;
  std::unique_ptr<RocksStore> store_;
  rocksdb::ColumnFamilyHandle* readable_ = nullptr;
  rocksdb::ColumnFamilyHandle* plain_ = nullptr;
};

// Random puts and deletes over stored keys (some in a file, some in the
// memtable): before the write, Get and ScanPrefix must answer what the
// database holds after it.
TEST_F(ReadableWriteBatchTest, ReadsWhatTheDatabaseHoldsOnceWritten) {
  const std::vector<std::string> prefixes = {"", "a", "a1", "b", "b\xff", "c"};
  std::mt19937 random(7);
  auto random_key = [&] {
    const std::string letters = "ab\xff";
    std::string key(1, letters[random() % letters.size()]);
    key += std::to_string(random() % 12);
    return key;
  };
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(store_->db()
                      ->Put(rocksdb::WriteOptions(), readable_, random_key(),
                            "stored" + std::to_string(i))
                      .ok());
    }
    if (round % 3 == 0) {
      ASSERT_TRUE(store_->db()->Flush(rocksdb::FlushOptions(), readable_).ok());
    }

    ReadableWriteBatch batch({readable_});
    std::map<std::string, std::string> expected_gets;
    for (int i = 0; i < 15; ++i) {
      const std::string key = random_key();
      if (random() % 3 == 0) {
        ASSERT_TRUE(batch.Delete(readable_, key).ok());
      } else {
        ASSERT_TRUE(batch.Put(readable_, key, "batch" + std::to_string(round * 100 + i)).ok());
      }
      ASSERT_TRUE(batch.Put(plain_, key, "not read back").ok());
    }
    std::map<std::string, std::optional<std::string>> got;
    for (int i = 0; i < 12; ++i) {
      for (const char* letter : {"a", "b", "\xff", "c"}) {
        const std::string key = letter + std::to_string(i);
        absl::StatusOr<std::optional<std::string>> value = batch.Get(store_->db(), readable_, key);
        ASSERT_TRUE(value.ok()) << value.status();
        got[key] = *value;
      }
    }
    std::map<std::string, KeyValues> scanned;
    for (const std::string& prefix : prefixes) scanned[prefix] = Scan(batch, prefix);

    ASSERT_TRUE(batch.Write(store_->db(), rocksdb::WriteOptions(), "test write").ok());
    for (const auto& [key, value] : got) {
      std::string stored;
      const rocksdb::Status status =
          store_->db()->Get(rocksdb::ReadOptions(), readable_, key, &stored);
      ASSERT_EQ(status.ok(), value.has_value()) << "round " << round << " key " << key;
      if (value.has_value()) {
        EXPECT_EQ(stored, *value) << "round " << round << " key " << key;
      }
    }
    for (const std::string& prefix : prefixes) {
      EXPECT_EQ(scanned[prefix], Stored(prefix)) << "round " << round << " prefix " << prefix;
    }
  }
}

TEST_F(ReadableWriteBatchTest, ScanStopsWhenTheVisitorSaysSo) {
  ASSERT_TRUE(store_->db()->Put(rocksdb::WriteOptions(), readable_, "k1", "stored").ok());
  ReadableWriteBatch batch({readable_});
  ASSERT_TRUE(batch.Put(readable_, "k0", "batch").ok());
  ASSERT_TRUE(batch.Put(readable_, "k2", "batch").ok());
  std::unique_ptr<rocksdb::Iterator> base(
      store_->db()->NewIterator(rocksdb::ReadOptions(), readable_));
  std::vector<std::string> keys;
  ASSERT_TRUE(batch
                  .ScanPrefix(base.get(), readable_, "k",
                              [&](absl::string_view key, absl::string_view) {
                                keys.emplace_back(key);
                                return keys.size() < 2;
                              })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1"}));
}

TEST_F(ReadableWriteBatchTest, ReadingAFamilyThatIsNotReadableIsAnInternalError) {
  ReadableWriteBatch batch({readable_});
  ASSERT_TRUE(batch.Put(plain_, "k", "v").ok());
  absl::StatusOr<std::optional<std::string>> value = batch.Get(store_->db(), plain_, "k");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(value.status().message().find("plain"), std::string::npos) << value.status();
}

}  // namespace
}  // namespace loupe
