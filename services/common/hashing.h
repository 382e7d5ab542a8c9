// Stable hashes: the same input gives the same value on every machine and in
// every release, because they decide shard ownership and are stored on disk.
// (absl::Hash is salted per process and must not be used for this.)
//
//   uint32_t shard = ShardForId("article-42", /*shard_count=*/2);
//   uint64_t body_hash = Fingerprint64(normalised_body);
#ifndef LOUPE_SERVICES_COMMON_HASHING_H_
#define LOUPE_SERVICES_COMMON_HASHING_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace loupe {

// 64-bit FNV-1a followed by a murmur3 finaliser (for good high bits).
uint64_t Fingerprint64(absl::string_view data);

// The shard that owns a document id: Fingerprint64(id) mod shard_count.
// shard_count must be > 0.
uint32_t ShardForId(absl::string_view id, uint32_t shard_count);

// 16 lowercase hex digits.
std::string Hex64(uint64_t value);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_HASHING_H_
