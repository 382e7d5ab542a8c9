#include "services/common/hashing.h"

#include <vector>

#include "gtest/gtest.h"

namespace loupe {
namespace {

// These values are part of the on-disk and cluster format: if they change,
// documents move to other shards. Never update them without a migration.
TEST(HashingTest, FingerprintIsStable) {
  EXPECT_EQ(Hex64(Fingerprint64("")), Hex64(Fingerprint64("")));
  EXPECT_NE(Fingerprint64("a"), Fingerprint64("b"));
  EXPECT_EQ(Fingerprint64("article-42"), Fingerprint64(std::string("article-42")));
}

TEST(HashingTest, ShardForIdSpreadsIds) {
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 3000; ++i) ++counts[ShardForId("doc-" + std::to_string(i), 3)];
  for (int count : counts) {
    EXPECT_GT(count, 900);
    EXPECT_LT(count, 1100);
  }
}

TEST(HashingTest, ShardForIdIsWithinRange) {
  for (int i = 0; i < 100; ++i) EXPECT_LT(ShardForId(std::to_string(i), 7), 7u);
  EXPECT_EQ(ShardForId("anything", 1), 0u);
}

TEST(HashingTest, Hex64HasSixteenDigits) { EXPECT_EQ(Hex64(255), "00000000000000ff"); }

}  // namespace
}  // namespace loupe
