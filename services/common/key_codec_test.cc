#include "services/common/key_codec.h"

#include "gtest/gtest.h"

namespace loupe {
namespace {

TEST(KeyCodecTest, BigEndianOrderIsNumericOrder) {
  EXPECT_LT(BigEndian64(1), BigEndian64(256));
  EXPECT_LT(BigEndian64(255), BigEndian64(256));
  EXPECT_LT(BigEndian32(0x00ffffff), BigEndian32(0x01000000));
}

TEST(KeyCodecTest, RoundTrips) {
  for (uint64_t value : {0ULL, 1ULL, 300ULL, 0xdeadbeefcafeULL, ~0ULL}) {
    EXPECT_EQ(DecodeBigEndian64(BigEndian64(value).data()), value);
  }
  EXPECT_EQ(DecodeBigEndian32(BigEndian32(0x12345678).data()), 0x12345678u);
}

TEST(KeyCodecTest, VarintRoundTripsAndDetectsTruncation) {
  std::string buffer;
  for (uint64_t value : {0ULL, 127ULL, 128ULL, 16384ULL, ~0ULL}) AppendVarint(&buffer, value);
  size_t pos = 0;
  uint64_t value = 0;
  for (uint64_t expected : {0ULL, 127ULL, 128ULL, 16384ULL, ~0ULL}) {
    ASSERT_TRUE(ReadVarint(buffer, &pos, &value));
    EXPECT_EQ(value, expected);
  }
  EXPECT_FALSE(ReadVarint(buffer, &pos, &value));
  std::string truncated = "\x80";
  pos = 0;
  EXPECT_FALSE(ReadVarint(truncated, &pos, &value));
}

}  // namespace
}  // namespace loupe
