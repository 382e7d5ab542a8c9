#include "services/index/svb_decode.h"

#include <algorithm>
#include <iostream>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "streamvbyte.h"
#include "streamvbytedelta.h"

namespace loupe {
namespace {

// A value of exactly `bytes` significant bytes (1-4).
uint32_t ValueOfWidth(std::mt19937& random, int bytes) {
  const uint32_t low = bytes == 1 ? 0 : 1u << (8 * (bytes - 1));
  const uint32_t high = bytes == 4 ? UINT32_MAX : (1u << (8 * bytes)) - 1;
  return std::uniform_int_distribution<uint32_t>(low, high)(random);
}

// Encodes with libstreamvbyte, decodes with it and with ours, and expects
// the same integers and the same number of bytes read.
void ExpectSameAsLibrary(const std::vector<uint32_t>& values, bool delta, uint32_t previous) {
  const auto count = static_cast<uint32_t>(values.size());
  // 16 bytes of padding, as posting blocks have.
  std::vector<uint8_t> encoded(streamvbyte_max_compressedbytes(count) + 16, 0);
  const size_t size = delta ? streamvbyte_delta_encode(values.data(), count, encoded.data(),
                                                       previous)
                            : streamvbyte_encode(values.data(), count, encoded.data());
  std::vector<uint32_t> expected(count + 1, 0), actual(count + 1, 0);
  const size_t expected_read =
      delta ? streamvbyte_delta_decode(encoded.data(), expected.data(), count, previous)
            : streamvbyte_decode(encoded.data(), expected.data(), count);
  const size_t read = delta ? SvbDeltaDecode(encoded.data(), count, previous, actual.data())
                            : SvbDecode(encoded.data(), count, actual.data());
  ASSERT_EQ(expected_read, size);
  EXPECT_EQ(read, size) << "count " << count << " delta " << delta;
  EXPECT_EQ(actual, expected) << "count " << count << " delta " << delta;
  if (delta) {
    std::vector<uint32_t> original(values.begin(), values.end());
    original.push_back(0);
    EXPECT_EQ(actual, original);
  }
}

TEST(SvbDecodeTest, EveryControlByteMatchesTheLibrary) {
  std::mt19937 random(11);
  std::vector<uint32_t> values;
  for (int control = 0; control < 256; ++control) {
    for (int lane = 0; lane < 4; ++lane) {
      values.push_back(ValueOfWidth(random, ((control >> (2 * lane)) & 3) + 1));
    }
  }
  ExpectSameAsLibrary(values, /*delta=*/false, 0);
}

TEST(SvbDecodeTest, EveryCountAndWidthMatchesTheLibrary) {
  std::mt19937 random(5);
  for (uint32_t count = 0; count <= 300; ++count) {
    for (bool delta : {false, true}) {
      std::vector<uint32_t> values;
      uint32_t value = std::uniform_int_distribution<uint32_t>()(random);
      const uint32_t previous = delta ? value : 0;
      for (uint32_t i = 0; i < count; ++i) {
        const uint32_t width = ValueOfWidth(random, 1 + static_cast<int>(random() % 4));
        // Deltas of every width, wrapping modulo 2^32 as the codec does.
        value = delta ? value + width : width;
        values.push_back(value);
      }
      ExpectSameAsLibrary(values, delta, previous);
    }
  }
}

// The forward reader gives the same integers as decoding the whole stream,
// for random skips and reads of every width, and refuses to go back, past
// the end, or past truncated data.
TEST(SvbDecodeTest, ForwardReaderReadsRangesAsTheWholeDecode) {
  std::mt19937 random(29);
  for (int round = 0; round < 300; ++round) {
    const uint32_t count = std::uniform_int_distribution<uint32_t>(0, 700)(random);
    std::vector<uint32_t> values(count);
    for (uint32_t& value : values) value = ValueOfWidth(random, 1 + static_cast<int>(random() % 4));
    std::vector<uint8_t> encoded(streamvbyte_max_compressedbytes(count) + 16, 0);
    const size_t size = streamvbyte_encode(values.data(), count, encoded.data());
    SvbForwardReader reader(encoded.data(), size, count);
    uint32_t next = 0;
    while (next < count) {
      const uint32_t skip = std::uniform_int_distribution<uint32_t>(0, 9)(random);
      const uint32_t start = std::min(count, next + skip);
      // Short reads, and long ones that take whole groups of four.
      const uint32_t length =
          std::uniform_int_distribution<uint32_t>(0, round % 2 == 0 ? 6 : 40)(random);
      const uint32_t read = std::min(length, count - start);
      ASSERT_TRUE(reader.SkipTo(start)) << "count " << count << " start " << start;
      std::vector<uint32_t> out(read);
      ASSERT_TRUE(reader.Read(read, out.data()));
      EXPECT_EQ(out, std::vector<uint32_t>(values.begin() + start, values.begin() + start + read))
          << "count " << count << " start " << start;
      next = start + read;
      EXPECT_EQ(reader.next(), next);
    }
    uint32_t one = 0;
    EXPECT_FALSE(reader.Read(1, &one)) << "read past the end";
    EXPECT_FALSE(reader.SkipTo(count + 1));
    if (count > 0) {
      EXPECT_FALSE(reader.SkipTo(count - 1)) << "went back";
      // Data cut short: the last integer's bytes are missing.
      SvbForwardReader truncated(encoded.data(), size - 1, count);
      EXPECT_FALSE(truncated.SkipTo(count - 1) && truncated.Read(1, &one));
    }
  }
}

TEST(SvbDecodeTest, DocidRunsAsInPostingBlocks) {
  // Small increasing docids from a large base: the shape of a posting block.
  std::mt19937 random(3);
  std::vector<uint32_t> docids;
  uint32_t docid = 4000000000u;
  for (int i = 0; i < 128; ++i) docids.push_back(docid += 1 + random() % 300);
  ExpectSameAsLibrary(docids, /*delta=*/true, docids.front());
  std::cout << "SSSE3 decoder: " << (SvbDecodeUsesSimd() ? "yes" : "no (library)") << "\n";
}

}  // namespace
}  // namespace loupe
