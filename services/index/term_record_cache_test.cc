// TermRecordCache on its own (bounds, absent records), and a property test:
// random batches of additions and removals written through PostingStore with
// a cache (small enough to be emptied many times) and without one leave both
// databases with byte-identical term records and posting blocks.
#include "services/index/term_record_cache.h"

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"
#include "services/index/index_schema.h"
#include "services/index/posting_store.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::TempDir;

TEST(TermRecordCacheTest, FindsWhatWasInstalledAndAbsentRecords) {
  TermRecordCache cache(1 << 20);
  EXPECT_EQ(cache.Find("storm"), nullptr);
  cache.Install({{"storm", "record-1"}, {"gone", ""}});
  ASSERT_NE(cache.Find("storm"), nullptr);
  EXPECT_EQ(*cache.Find("storm"), "record-1");
  ASSERT_NE(cache.Find("gone"), nullptr);
  EXPECT_TRUE(cache.Find("gone")->empty());
  cache.Install({{"storm", "record-22"}});
  EXPECT_EQ(*cache.Find("storm"), "record-22");
  EXPECT_EQ(cache.bytes(), TermRecordCache::EntryBytes("storm", "record-22") +
                               TermRecordCache::EntryBytes("gone", ""));
  cache.Clear();
  EXPECT_EQ(cache.Find("storm"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(TermRecordCacheTest, StaysWithinItsBound) {
  const size_t entry = TermRecordCache::EntryBytes("term10", std::string(30, 'r'));
  const size_t bound = 3 * entry;
  TermRecordCache cache(bound);
  for (int i = 0; i < 50; ++i) {
    cache.Install({{absl::StrCat("term", i), std::string(30, 'r')}});
    EXPECT_LE(cache.bytes(), bound);
    // The last install is always there: the cache empties itself first.
    EXPECT_NE(cache.Find(absl::StrCat("term", i)), nullptr);
  }
  // A batch larger than the whole cache keeps what fits.
  TermRecordCache::Written big;
  for (int i = 0; i < 10; ++i) big[absl::StrCat("big", i)] = std::string(30, 'r');
  cache.Install(std::move(big));
  EXPECT_LE(cache.bytes(), bound);
  EXPECT_GT(cache.size(), 0u);
  TermRecordCache off(0);
  off.Install({{"storm", "record"}});
  EXPECT_EQ(off.Find("storm"), nullptr);
}

// Everything in a column family, key -> value.
std::map<std::string, std::string> Contents(RocksStore& store, const std::string& family) {
  std::map<std::string, std::string> contents;
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.Family(family)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    contents[it->key().ToString()] = it->value().ToString();
  }
  EXPECT_TRUE(it->status().ok());
  return contents;
}

// Writes the same random batches through PostingStore without a cache and
// with one of `cache_bytes`, then compares both databases.
void ExpectCachedWritesEqualUncachedOnes(size_t cache_bytes) {
  TempDir plain_dir;
  TempDir cached_dir;
  auto open = [](const std::string& path) {
    absl::StatusOr<std::unique_ptr<RocksStore>> store =
        RocksStore::Open(path, AllFamilies(), RocksOptions{});
    EXPECT_TRUE(store.ok()) << store.status();
    return *std::move(store);
  };
  std::unique_ptr<RocksStore> plain = open(plain_dir.path());
  std::unique_ptr<RocksStore> cached = open(cached_dir.path());
  PostingStore plain_postings(plain->db(), plain->Family(kPostingsFamily),
                              plain->Family(kTermsFamily));
  PostingStore cached_postings(cached->db(), cached->Family(kPostingsFamily),
                               cached->Family(kTermsFamily));
  TermRecordCache cache(cache_bytes);

  std::mt19937 random(11);
  std::map<std::string, std::set<uint32_t>> live;  // term key -> its docids
  uint32_t next_docid = 1;
  for (int batch = 0; batch < 400; ++batch) {
    std::map<std::string, PostingChanges> changes;
    for (int op = 0; op < 12; ++op) {
      // Words 0-4 grow into several sealed blocks; words 5-6 lose their
      // postings as fast as they get them, so their records come and go.
      const uint32_t word = random() % 7;
      const std::string key = PostingStore::TermKey(
          random() % 2 == 0 ? v1::FIELD_BODY : v1::FIELD_TITLE, absl::StrCat("w", word));
      std::set<uint32_t>& docids = live[key];
      if (!docids.empty() && random() % (word < 5 ? 5 : 2) == 0) {
        // Remove a random live posting (from a sealed block or the tail).
        auto victim = docids.begin();
        std::advance(victim, random() % docids.size());
        changes[key].Remove(*victim);
        docids.erase(victim);
      } else {
        const uint32_t docid = next_docid++;
        changes[key].Add(PostingEntry{docid, 1 + static_cast<uint32_t>(random() % 50),
                                      {static_cast<uint32_t>(random() % 5)}});
        docids.insert(docid);
      }
    }
    rocksdb::WriteBatch plain_batch;
    rocksdb::WriteBatch cached_batch;
    TermRecordCache::Written written;
    for (const auto& [key, change] : changes) {
      ASSERT_TRUE(plain_postings.Apply(&plain_batch, key, change).ok());
      ASSERT_TRUE(cached_postings.Apply(&cached_batch, key, change, &cache, &written).ok());
    }
    ASSERT_TRUE(plain->db()->Write(rocksdb::WriteOptions(), &plain_batch).ok());
    ASSERT_TRUE(cached->db()->Write(rocksdb::WriteOptions(), &cached_batch).ok());
    cache.Install(std::move(written));
  }
  for (const std::string& family : {std::string(kTermsFamily), std::string(kPostingsFamily)}) {
    const std::map<std::string, std::string> expected = Contents(*plain, family);
    EXPECT_FALSE(expected.empty()) << family;
    EXPECT_EQ(Contents(*cached, family), expected) << family << ", cache of " << cache_bytes;
  }
}

TEST(TermRecordCacheTest, CachedWritesEqualUncachedOnes) {
  // Never emptied, then emptied every few batches (cached and uncached
  // reads mixed).
  ExpectCachedWritesEqualUncachedOnes(size_t{1} << 20);
  ExpectCachedWritesEqualUncachedOnes(2000);
}

}  // namespace
}  // namespace loupe
