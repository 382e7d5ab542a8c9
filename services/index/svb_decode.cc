#include "services/index/svb_decode.h"

#include <array>
#include <cstring>

#include "streamvbyte.h"
#include "streamvbytedelta.h"

#if defined(__x86_64__) || defined(__i386__)
#include <tmmintrin.h>
#define LOUPE_SVB_X86 1
#endif

namespace loupe {
namespace {

// Stream VByte stores each integer's bytes least significant first.
constexpr bool kLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

#ifdef LOUPE_SVB_X86

// Per control byte: the PSHUFB mask that spreads its four integers' bytes
// over four 32-bit lanes (0x80 zeroes a byte), and their total byte length.
struct ShuffleTables {
  alignas(16) std::array<std::array<uint8_t, 16>, 256> masks;
  std::array<uint8_t, 256> lengths;
};

const ShuffleTables& Tables() {
  static const ShuffleTables* const tables = [] {
    auto* built = new ShuffleTables();
    for (int control = 0; control < 256; ++control) {
      uint8_t offset = 0;
      for (int lane = 0; lane < 4; ++lane) {
        const int bytes = ((control >> (2 * lane)) & 3) + 1;
        for (int b = 0; b < 4; ++b) {
          built->masks[control][4 * lane + b] =
              b < bytes ? static_cast<uint8_t>(offset + b) : uint8_t{0x80};
        }
        offset = static_cast<uint8_t>(offset + bytes);
      }
      built->lengths[control] = offset;
    }
    return built;
  }();
  return *tables;
}

template <bool kDelta>
__attribute__((target("ssse3"))) size_t DecodeSsse3(const uint8_t* in, uint32_t count,
                                                    uint32_t previous, uint32_t* out) {
  const ShuffleTables& tables = Tables();
  const uint8_t* control = in;
  const uint8_t* data = in + (count + 3) / 4;
  const uint32_t groups = count / 4;
  __m128i last = _mm_set1_epi32(static_cast<int>(previous));
  for (uint32_t g = 0; g < groups; ++g) {
    const uint8_t code = control[g];
    __m128i values = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data));
    values = _mm_shuffle_epi8(
        values, _mm_load_si128(reinterpret_cast<const __m128i*>(tables.masks[code].data())));
    if (kDelta) {
      // Prefix sum of the four lanes, plus the previous group's last value.
      values = _mm_add_epi32(values, _mm_slli_si128(values, 4));
      values = _mm_add_epi32(values, _mm_slli_si128(values, 8));
      values = _mm_add_epi32(values, last);
      last = _mm_shuffle_epi32(values, 0xFF);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4 * g), values);
    data += tables.lengths[code];
  }
  // The last, partial group one integer at a time.
  uint32_t running = static_cast<uint32_t>(_mm_cvtsi128_si32(last));
  for (uint32_t i = 4 * groups; i < count; ++i) {
    const uint32_t bytes = ((control[i / 4] >> (2 * (i % 4))) & 3) + 1;
    uint32_t value = 0;
    for (uint32_t b = 0; b < bytes; ++b) value |= static_cast<uint32_t>(data[b]) << (8 * b);
    data += bytes;
    if (kDelta) {
      running += value;
      out[i] = running;
    } else {
      out[i] = value;
    }
  }
  return static_cast<size_t>(data - in);
}

bool CpuHasSsse3() {
  static const bool has = __builtin_cpu_supports("ssse3");
  return has;
}

// Decodes whole groups of four from `data` at `*offset` (the group of
// control byte `*control`) while `count` allows and 16 bytes can be loaded
// below `size`; returns how many integers went to `out`.
__attribute__((target("ssse3"))) uint32_t ReadGroupsSsse3(const uint8_t* control,
                                                           const uint8_t* data, size_t size,
                                                           size_t* offset, uint32_t count,
                                                           uint32_t* out) {
  const ShuffleTables& tables = Tables();
  uint32_t done = 0;
  while (count - done >= 4 && *offset + 16 <= size) {
    const uint8_t code = *control++;
    __m128i values = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + *offset));
    values = _mm_shuffle_epi8(
        values, _mm_load_si128(reinterpret_cast<const __m128i*>(tables.masks[code].data())));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + done), values);
    *offset += tables.lengths[code];
    done += 4;
  }
  return done;
}

#endif  // LOUPE_SVB_X86

}  // namespace

bool SvbDecodeUsesSimd() {
#ifdef LOUPE_SVB_X86
  return CpuHasSsse3();
#else
  return false;
#endif
}

size_t SvbDecode(const uint8_t* in, uint32_t count, uint32_t* out) {
#ifdef LOUPE_SVB_X86
  if (CpuHasSsse3()) return DecodeSsse3</*kDelta=*/false>(in, count, 0, out);
#endif
  return streamvbyte_decode(in, out, count);
}

size_t SvbDeltaDecode(const uint8_t* in, uint32_t count, uint32_t previous, uint32_t* out) {
#ifdef LOUPE_SVB_X86
  if (CpuHasSsse3()) return DecodeSsse3</*kDelta=*/true>(in, count, previous, out);
#endif
  return streamvbyte_delta_decode(in, out, count, previous);
}

namespace {

// Data bytes of the four integers of one control byte.
constexpr std::array<uint8_t, 256> QuadLengths() {
  std::array<uint8_t, 256> lengths{};
  for (int control = 0; control < 256; ++control) {
    int sum = 0;
    for (int k = 0; k < 4; ++k) sum += ((control >> (2 * k)) & 3) + 1;
    lengths[control] = static_cast<uint8_t>(sum);
  }
  return lengths;
}
constexpr std::array<uint8_t, 256> kQuadLengths = QuadLengths();

// Data bytes of the 32 integers of eight control bytes (read as one
// little-endian word): 32 plus the sum of their 2-bit fields, added up in
// ever wider fields within the word.
uint32_t Lengths32(uint64_t controls) {
  const uint64_t pairs = (controls & 0x3333333333333333u) + ((controls >> 2) & 0x3333333333333333u);
  const uint64_t quads = (pairs + (pairs >> 4)) & 0x0f0f0f0f0f0f0f0fu;
  return 32 + static_cast<uint32_t>((quads * 0x0101010101010101u) >> 56);
}

}  // namespace

SvbForwardReader::SvbForwardReader(const uint8_t* in, size_t size, uint32_t total)
    : in_(in), size_(size), total_(total), offset_((static_cast<size_t>(total) + 3) / 4) {}

uint32_t SvbForwardReader::Length(uint32_t index) const {
  return ((in_[index / 4] >> (2 * (index % 4))) & 3) + 1;
}

bool SvbForwardReader::SkipTo(uint32_t index) {
  if (index < index_ || index > total_) return false;
  while (index_ < index && index_ % 4 != 0) offset_ += Length(index_++);
  if (kLittleEndian) {
    // Long skips (the positions of a long document's earlier postings)
    // 32 integers at a time; the eight control bytes are all before
    // `index`, so within the control bits.
    while (index - index_ >= 32) {
      uint64_t controls;
      std::memcpy(&controls, in_ + index_ / 4, sizeof(controls));
      offset_ += Lengths32(controls);
      index_ += 32;
    }
  }
  while (index - index_ >= 4) {
    offset_ += kQuadLengths[in_[index_ / 4]];
    index_ += 4;
  }
  while (index_ < index) offset_ += Length(index_++);
  return offset_ <= size_;
}

bool SvbForwardReader::Read(uint32_t count, uint32_t* out) {
  if (count > total_ - index_) return false;
  static constexpr uint32_t kLengthMasks[5] = {0, 0xff, 0xffff, 0xffffff, 0xffffffff};
  for (uint32_t i = 0; i < count; ++i) {
#ifdef LOUPE_SVB_X86
    // Whole groups of four with one shuffle each (a phrase reads every
    // position of a posting, dozens in a long document).
    if (index_ % 4 == 0 && count - i >= 4 && CpuHasSsse3()) {
      const uint32_t done =
          ReadGroupsSsse3(in_ + index_ / 4, in_, size_, &offset_, count - i, out + i);
      index_ += done;
      i += done;
      if (i == count) break;
    }
#endif
    const uint32_t length = Length(index_);
    if (offset_ + length > size_) return false;
    uint32_t value = 0;
    if (kLittleEndian && offset_ + 4 <= size_) {
      // One load instead of a byte at a time: the bytes past the integer
      // are masked off.
      std::memcpy(&value, in_ + offset_, 4);
      value &= kLengthMasks[length];
    } else {
      for (uint32_t b = 0; b < length; ++b) value |= uint32_t{in_[offset_ + b]} << (8 * b);
    }
    out[i] = value;
    offset_ += length;
    ++index_;
  }
  return true;
}

}  // namespace loupe
