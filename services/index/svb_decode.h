// Stream VByte decoding with SSSE3: four integers per byte shuffle.
//
// Posting blocks are encoded with libstreamvbyte (posting_block.h), but
// Debian's libstreamvbyte 0.4.1 is built without SIMD: its decoder is the
// scalar loop, about 3 ns per integer on the benchmark machine, and block
// decoding was a fifth of a query's time. These functions decode the same
// format (the library's "1234" layout: (count + 3) / 4 control bytes, 2
// bits per integer for its byte length - 1, lowest bits first, then the
// little-endian data bytes) with one PSHUFB per four integers, and fall
// back to the library where the CPU lacks SSSE3. The unit test checks
// them against the library on every control pattern.
//
// Contract, as streamvbyte_decode / streamvbyte_delta_decode: returns the
// number of bytes read; may load up to 16 bytes past the last data byte,
// so the caller's buffer must extend that far (posting blocks end with 16
// bytes of padding).
//
//   std::vector<uint32_t> docids(count);
//   size_t read = SvbDeltaDecode(section, count, first_docid, docids.data());
//   size_t read = SvbDecode(section, count, tfs.data());
#ifndef LOUPE_SERVICES_INDEX_SVB_DECODE_H_
#define LOUPE_SERVICES_INDEX_SVB_DECODE_H_

#include <cstddef>
#include <cstdint>

namespace loupe {

// `count` integers from `in` into `out`.
size_t SvbDecode(const uint8_t* in, uint32_t count, uint32_t* out);

// `count` integers that are deltas from `previous` (each from the one
// before): out[i] = previous + in[0] + ... + in[i], modulo 2^32.
size_t SvbDeltaDecode(const uint8_t* in, uint32_t count, uint32_t previous, uint32_t* out);

// Whether the SSSE3 decoder runs on this CPU (otherwise libstreamvbyte's).
bool SvbDecodeUsesSimd();

// Reads a stream of `total` integers (the same format) in order, decoding
// only the ranges asked for: the byte lengths of those skipped come from
// their control bits, four at a time. For the positions of one posting among
// a block's hundreds (phrase matching); scalar, so no padding is needed.
//
//   SvbForwardReader reader(section.data(), section.size(), total);
//   if (reader.SkipTo(start) && reader.Read(count, out)) { ... }
class SvbForwardReader {
 public:
  SvbForwardReader() = default;
  SvbForwardReader(const uint8_t* in, size_t size, uint32_t total);

  // Moves to integer `index`, at or after the next one; false when it is
  // behind, past `total`, or the data is shorter than the control bits say.
  bool SkipTo(uint32_t index);
  // Decodes the next `count` integers into `out`; false as SkipTo.
  bool Read(uint32_t count, uint32_t* out);
  // The index of the next integer.
  uint32_t next() const { return index_; }

 private:
  uint32_t Length(uint32_t index) const;

  const uint8_t* in_ = nullptr;
  size_t size_ = 0;
  uint32_t total_ = 0;
  uint32_t index_ = 0;
  size_t offset_ = 0;  // of integer index_'s first data byte
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SVB_DECODE_H_
