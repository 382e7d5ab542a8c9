#include "services/common/analysis/recent_keys.h"

#include <string>

#include "gtest/gtest.h"

namespace loupe {
namespace {

TEST(RecentKeysTest, FindsTheLastKeysRememberedAndForgetsTheOldest) {
  RecentKeys<int, 2> recent;
  EXPECT_EQ(recent.Find("en"), nullptr);
  recent.Remember("en", 1);
  recent.Remember("fr", 2);
  ASSERT_NE(recent.Find("en"), nullptr);
  EXPECT_EQ(*recent.Find("en"), 1);
  EXPECT_EQ(*recent.Find("fr"), 2);
  EXPECT_EQ(recent.Find("e"), nullptr);    // a prefix is another key
  EXPECT_EQ(recent.Find("enn"), nullptr);  // and so is a longer one
  recent.Remember("de", 3);                // takes the oldest slot, "en"'s
  EXPECT_EQ(recent.Find("en"), nullptr);
  EXPECT_EQ(*recent.Find("fr"), 2);
  EXPECT_EQ(*recent.Find("de"), 3);
}

TEST(RecentKeysTest, EmptyKeyIsAKeyAndLongKeysAreNotRemembered) {
  RecentKeys<int> recent;
  recent.Remember("", 7);
  ASSERT_NE(recent.Find(""), nullptr);
  EXPECT_EQ(*recent.Find(""), 7);
  const std::string longest(RecentKeys<int>::kMaxKeyBytes, 'x');
  const std::string too_long(RecentKeys<int>::kMaxKeyBytes + 1, 'x');
  recent.Remember(longest, 8);
  recent.Remember(too_long, 9);
  EXPECT_EQ(*recent.Find(longest), 8);
  EXPECT_EQ(recent.Find(too_long), nullptr);
}

}  // namespace
}  // namespace loupe
