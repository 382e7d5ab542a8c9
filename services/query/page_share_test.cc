#include "services/query/page_share.h"

#include <cmath>
#include <cstdint>

#include "gtest/gtest.h"

namespace loupe::query {
namespace {

TEST(LikelyPageShareTest, OneShardFetchesTheWholePageAndNoneFetchNothing) {
  EXPECT_EQ(LikelyPageShare(10, 1), 10u);
  EXPECT_EQ(LikelyPageShare(0, 1), 0u);
  EXPECT_EQ(LikelyPageShare(10, 0), 0u);
  EXPECT_EQ(LikelyPageShare(0, 4), 0u);
}

TEST(LikelyPageShareTest, TwoShardsFetchEightOfTen) {
  EXPECT_EQ(LikelyPageShare(10, 2), 8u);
  EXPECT_EQ(LikelyPageShare(1, 2), 1u);
  EXPECT_EQ(LikelyPageShare(100, 2), 58u);
}

// P(a shard holds more of the page than its share) = the binomial tail
// above it, summed exactly: under 5 % (1.1 % for 10 hits on 2 shards), and
// the share is never more than the page.
TEST(LikelyPageShareTest, ShareCoversTheBinomialTail) {
  for (uint32_t page : {1u, 5u, 10u, 20u, 50u, 100u}) {
    for (size_t shards : {2u, 3u, 4u, 8u, 16u}) {
      const uint32_t share = LikelyPageShare(page, shards);
      ASSERT_LE(share, page);
      const double p = 1.0 / static_cast<double>(shards);
      double tail = 0;
      for (uint32_t k = share + 1; k <= page; ++k) {
        tail += std::exp(std::lgamma(page + 1.0) - std::lgamma(k + 1.0) -
                         std::lgamma(page - k + 1.0) + k * std::log(p) +
                         (page - k) * std::log1p(-p));
      }
      EXPECT_LT(tail, page == 10 && shards == 2 ? 0.011 : 0.05)
          << page << " hits, " << shards << " shards, share " << share;
    }
  }
}

}  // namespace
}  // namespace loupe::query
