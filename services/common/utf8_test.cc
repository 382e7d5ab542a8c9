#include "services/common/utf8.h"

#include <string>

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

// A byte of 0x80 or more anywhere, in the eight-byte words or in the tail,
// makes text non-ASCII.
TEST(Utf8Test, TellsAsciiTextAtEveryPosition) {
  EXPECT_TRUE(IsAscii(""));
  for (size_t length = 1; length <= 40; ++length) {
    const std::string ascii(length, '~');
    EXPECT_TRUE(IsAscii(ascii)) << length;
    for (size_t at = 0; at < length; ++at) {
      for (const char high : {'\x80', '\xc3', '\xff'}) {
        std::string text = ascii;
        text[at] = high;
        EXPECT_FALSE(IsAscii(text)) << length << " " << at;
      }
    }
  }
}

}  // namespace
}  // namespace loupe
