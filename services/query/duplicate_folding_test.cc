// FoldDuplicates: the best-ranked copy of each cluster is kept in rank
// order, the others are counted; a hit without a cluster is its own.
#include "services/query/duplicate_folding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

RankedHit Hit(const std::string& id, double score, const std::string& cluster,
              uint32_t shard = 0) {
  return RankedHit{id, score, shard, 0, cluster};
}

TEST(FoldDuplicatesTest, KeepsTheBestCopyAndCountsTheOthers) {
  // Copies of cluster "x" on different shards.
  std::vector<FoldedHit> kept =
      FoldDuplicates({Hit("x2", 9, "x", 1), Hit("y", 8, ""), Hit("x", 7, "x", 0),
                      Hit("z", 6, "z"), Hit("x3", 5, "x", 2), Hit("y2", 4, "y")});
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].hit.id, "x2");
  EXPECT_EQ(kept[0].hit.shard, 1u);
  EXPECT_EQ(kept[0].folded_count, 2u);
  EXPECT_EQ(kept[1].hit.id, "y");  // No cluster: its id is the cluster.
  EXPECT_EQ(kept[1].folded_count, 1u);
  EXPECT_EQ(kept[2].hit.id, "z");
  EXPECT_EQ(kept[2].folded_count, 0u);
}

TEST(FoldDuplicatesTest, EmptyInputGivesNothing) { EXPECT_TRUE(FoldDuplicates({}).empty()); }

}  // namespace
}  // namespace loupe::query
