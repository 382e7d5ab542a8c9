#include "services/common/hashing.h"

#include "absl/strings/str_format.h"

namespace loupe {

uint64_t Fingerprint64(absl::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

uint32_t ShardForId(absl::string_view id, uint32_t shard_count) {
  return static_cast<uint32_t>(Fingerprint64(id) % shard_count);
}

std::string Hex64(uint64_t value) { return absl::StrFormat("%016x", value); }

}  // namespace loupe
