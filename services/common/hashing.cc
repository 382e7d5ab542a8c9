#include "services/common/hashing.h"

#include "absl/strings/str_format.h"

namespace loupe {

uint64_t Fingerprint64Builder::Finish() const {
  uint64_t hash = state_;
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

uint64_t Fingerprint64(absl::string_view data) { return Fingerprint64Builder().Add(data).Finish(); }

uint32_t ShardForId(absl::string_view id, uint32_t shard_count) {
  return static_cast<uint32_t>(Fingerprint64(id) % shard_count);
}

std::string Hex64(uint64_t value) { return absl::StrFormat("%016x", value); }

}  // namespace loupe
