#include "services/common/utf8.h"

#include "gtest/gtest.h"

namespace loupe {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("réveil «Nvidia» 16,86 %"));
  EXPECT_EQ(CodePointCount("réveil"), 6u);
}

TEST(Utf8Test, FindsFirstInvalidByte) {
  EXPECT_FALSE(IsValidUtf8("abc\xff"));
  EXPECT_EQ(FirstInvalidUtf8Offset("abc\xffxyz"), 3u);
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));           // truncated
}

}  // namespace
}  // namespace loupe
