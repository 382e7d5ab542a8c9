#include "services/common/cluster_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe {
namespace {

using ::testing::ElementsAre;

TEST(ClusterConfigTest, DefaultsToTheDesignPorts) {
  auto addresses = ParseIndexAddresses("", 2);
  ASSERT_TRUE(addresses.ok());
  EXPECT_THAT(*addresses, ElementsAre("127.0.0.1:50061", "127.0.0.1:50062"));
}

TEST(ClusterConfigTest, ParsesAListInShardOrder) {
  auto addresses = ParseIndexAddresses(" a:1, b:2 ,c:3", 3);
  ASSERT_TRUE(addresses.ok());
  EXPECT_THAT(*addresses, ElementsAre("a:1", "b:2", "c:3"));
}

TEST(ClusterConfigTest, RejectsWrongCountsAndEmptyEntries) {
  EXPECT_EQ(ParseIndexAddresses("a:1,b:2", 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseIndexAddresses("a:1,,b:2", 3).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe
