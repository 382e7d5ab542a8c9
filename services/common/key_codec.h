// Big-endian integer encoding for RocksDB keys, so that the byte order of
// keys is their numeric order (prefix scans and ordered merges rely on it).
//
//   std::string key = "t";
//   AppendBigEndian32(&key, shard);
//   AppendBigEndian64(&key, sequence);
//   uint64_t seq = DecodeBigEndian64(key.data() + 5);
#ifndef LOUPE_SERVICES_COMMON_KEY_CODEC_H_
#define LOUPE_SERVICES_COMMON_KEY_CODEC_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace loupe {

inline void AppendBigEndian32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

inline void AppendBigEndian64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

inline std::string BigEndian32(uint32_t value) {
  std::string out;
  AppendBigEndian32(&out, value);
  return out;
}

inline std::string BigEndian64(uint64_t value) {
  std::string out;
  AppendBigEndian64(&out, value);
  return out;
}

// `data` must hold at least 4 (resp. 8) bytes.
inline uint32_t DecodeBigEndian32(const char* data) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  return value;
}

inline uint64_t DecodeBigEndian64(const char* data) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  return value;
}

// LEB128 varints, for compact values (frequencies, position deltas).
inline void AppendVarint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Reads a varint at *pos and advances it; false on truncated input.
inline bool ReadVarint(absl::string_view data, size_t* pos, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *pos < data.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(data[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_KEY_CODEC_H_
