#include "services/index/external_id_cache.h"

#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/index/index_engine.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::ApplyRequestFor;
using ::loupe::testing_util::Clause;
using ::loupe::testing_util::Delete;
using ::loupe::testing_util::OpenSmallEngine;
using ::loupe::testing_util::TempDir;
using ::loupe::testing_util::Upsert;

TEST(ExternalIdCacheTest, FindsWhatWasInsertedUntilAnotherDocidTakesTheSlot) {
  ExternalIdCache cache(/*entries=*/6);  // rounded down to 4 slots
  std::string id;
  EXPECT_FALSE(cache.Find(1, &id));
  cache.Insert(1, "doc-1");
  ASSERT_TRUE(cache.Find(1, &id));
  EXPECT_EQ(id, "doc-1");
  EXPECT_FALSE(cache.Find(5, &id));  // same slot, another docid
  cache.Insert(5, "doc-5");
  EXPECT_FALSE(cache.Find(1, &id));
  ASSERT_TRUE(cache.Find(5, &id));
  EXPECT_EQ(id, "doc-5");
  cache.Insert(2, std::string(ExternalIdCache::kMaxCachedIdBytes + 1, 'x'));
  EXPECT_FALSE(cache.Find(2, &id));
}

TEST(ExternalIdCacheTest, ZeroEntriesKeepsNothing) {
  ExternalIdCache cache(0);
  cache.Insert(0, "doc-0");
  std::string id;
  EXPECT_FALSE(cache.Find(0, &id));
}

TEST(ExternalIdCacheTest, ThreadsNeverSeeAnotherDocidsId) {
  ExternalIdCache cache(64);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      std::mt19937 random(t);
      std::uniform_int_distribution<uint32_t> docid(0, 1000);
      std::string id;
      for (int i = 0; i < 20000; ++i) {
        const uint32_t d = docid(random);
        if (cache.Find(d, &id)) {
          wrong[t] += id != absl::StrCat("document ", d, " with a long enough id") ? 1 : 0;
        } else {
          cache.Insert(d, absl::StrCat("document ", d, " with a long enough id"));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[t], 0) << t;
}

std::unique_ptr<IndexEngine> OpenEngineWithIdCache(const std::string& dir, size_t entries) {
  IndexEngineOptions options;
  options.external_id_cache_entries = entries;
  return OpenSmallEngine(dir, options);
}

// Two engines take the same random upserts, re-upserts and deletes of a
// small pool of ids (each upsert gives its document a new docid), with
// searches in between; one reads every id from RocksDB, the other through
// a cache of four slots, so docids keep taking each other's slots. Every
// answer must be the same, in score order (ids read for the page and on
// ties) and in date order (all dates equal: every comparison reads ids).
TEST(ExternalIdCacheTest, SearchesAnswerAsWithoutTheCacheWhileDocumentsChange) {
  TempDir uncached_dir, cached_dir;
  auto uncached = OpenEngineWithIdCache(uncached_dir.path(), 0);
  auto cached = OpenEngineWithIdCache(cached_dir.path(), 4);
  ASSERT_NE(uncached, nullptr);
  ASSERT_NE(cached, nullptr);
  const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta", "epsilon"};
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> pick_id(0, 29), pick_word(0, 4), pick_count(1, 4),
      pick_action(0, 9);
  std::map<std::string, int64_t> versions;
  uint64_t sequence = 0;
  int compared_hits = 0;
  for (int round = 0; round < 150; ++round) {
    std::vector<v1::Operation> operations;
    for (int k = pick_count(random); k > 0; --k) {
      const std::string id = absl::StrCat("doc-", pick_id(random));
      if (pick_action(random) < 2) {
        operations.push_back(Delete(++sequence, id));
        continue;
      }
      std::string body;
      for (int w = pick_count(random); w > 0; --w) {
        absl::StrAppend(&body, words[pick_word(random)], " ");
      }
      operations.push_back(Upsert(++sequence, id, "", body, ++versions[id]));
    }
    const v1::ApplyRequest apply = ApplyRequestFor(0, 1, operations);
    ASSERT_TRUE(uncached->Apply(apply).ok());
    ASSERT_TRUE(cached->Apply(apply).ok());
    for (v1::HitOrder order : {v1::HIT_ORDER_SCORE, v1::HIT_ORDER_DATE_DESC}) {
      v1::ShardSearchRequest search;
      *search.mutable_plan()->add_clauses() = Clause(words[pick_word(random)]);
      *search.mutable_plan()->add_clauses() = Clause(words[pick_word(random)]);
      search.set_local_statistics(true);
      search.set_limit(5);
      search.set_order(order);
      absl::StatusOr<v1::ShardSearchResponse> want = uncached->Search(search);
      absl::StatusOr<v1::ShardSearchResponse> got = cached->Search(search);
      ASSERT_TRUE(want.ok()) << want.status();
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(got->hits_size(), want->hits_size()) << round;
      for (int i = 0; i < want->hits_size(); ++i) {
        EXPECT_EQ(got->hits(i).id(), want->hits(i).id()) << "round " << round << " hit " << i;
        EXPECT_EQ(got->hits(i).score(), want->hits(i).score());
        ++compared_hits;
      }
    }
  }
  EXPECT_GT(compared_hits, 800);
}

}  // namespace
}  // namespace loupe
