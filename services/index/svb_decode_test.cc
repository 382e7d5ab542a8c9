#include "services/index/svb_decode.h"

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
