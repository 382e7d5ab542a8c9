#include "services/query/hit_merge.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Ids(const MergedPage& page) {
  std::vector<std::string> out;
  for (const RankedHit& hit : page.hits) out.push_back(absl::StrCat(hit.id, "@", hit.shard));
  return out;
}

std::vector<ShardHits> TwoShards() {
  // Shard 0 and shard 1 each sorted best first, with ties inside and across.
  return {
      {0, {{"d", 9.0}, {"b", 5.0}, {"e", 5.0}, {"a", 1.0}}, 40},
      {1, {{"c", 9.0}, {"f", 5.0}, {"g", 0.5}}, 2},
  };
}

TEST(HitMergeTest, SortsByScoreThenIdAndSumsTotals) {
  MergedPage page = MergeShardHits(TwoShards(), 0, 10);
  EXPECT_THAT(Ids(page), ElementsAre("c@1", "d@0", "b@0", "e@0", "f@1", "a@0", "g@1"));
  EXPECT_EQ(page.total_hits, 42u);
}

TEST(HitMergeTest, OffsetAndLimitCutThePage) {
  EXPECT_THAT(Ids(MergeShardHits(TwoShards(), 0, 2)), ElementsAre("c@1", "d@0"));
  EXPECT_THAT(Ids(MergeShardHits(TwoShards(), 2, 3)), ElementsAre("b@0", "e@0", "f@1"));
  EXPECT_THAT(Ids(MergeShardHits(TwoShards(), 6, 5)), ElementsAre("g@1"));
  MergedPage past_end = MergeShardHits(TwoShards(), 7, 5);
  EXPECT_TRUE(past_end.hits.empty());
  EXPECT_EQ(past_end.total_hits, 42u);
}

TEST(HitMergeTest, PagesConcatenateToTheFullOrder) {
  std::vector<std::string> paged;
  for (uint32_t offset = 0; offset < 7; offset += 2) {
    for (const std::string& id : Ids(MergeShardHits(TwoShards(), offset, 2))) paged.push_back(id);
  }
  EXPECT_EQ(paged, Ids(MergeShardHits(TwoShards(), 0, 100)));
}

TEST(HitMergeTest, UnsortedInputAndShardOwnership) {
  // The shard's number wins over whatever RankedHit::shard says.
  std::vector<ShardHits> shards = {{3, {{"x", 1.0, 7}, {"y", 2.0, 7}}, 2}};
  MergedPage page = MergeShardHits(shards, 0, 10);
  EXPECT_THAT(Ids(page), ElementsAre("y@3", "x@3"));
}

TEST(HitMergeTest, SameIdOnTwoShardsIsOrderedByShard) {
  std::vector<ShardHits> shards = {{1, {{"x", 1.0}}, 1}, {0, {{"x", 1.0}}, 1}};
  EXPECT_THAT(Ids(MergeShardHits(shards, 0, 10)), ElementsAre("x@0", "x@1"));
}

TEST(HitMergeTest, NanScoresSortLast) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<ShardHits> shards = {{0, {{"n", nan}, {"a", -1.0}, {"m", nan}}, 3}};
  EXPECT_THAT(Ids(MergeShardHits(shards, 0, 10)), ElementsAre("a@0", "m@0", "n@0"));
}

TEST(HitMergeTest, NoShards) {
  MergedPage page = MergeShardHits({}, 0, 10);
  EXPECT_TRUE(page.hits.empty());
  EXPECT_EQ(page.total_hits, 0u);
}

}  // namespace
}  // namespace loupe::query
