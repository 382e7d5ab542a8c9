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

// Fingerprint64 of data that comes in pieces, without joining them:
//   Fingerprint64Builder().Add(a).Add(b).Finish() == Fingerprint64(StrCat(a, b))
class Fingerprint64Builder {
 public:
  Fingerprint64Builder& Add(absl::string_view piece) {
    for (unsigned char c : piece) {
      state_ ^= c;
      state_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  uint64_t Finish() const;

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

// The shard that owns a document id: Fingerprint64(id) mod shard_count.
// shard_count must be > 0.
uint32_t ShardForId(absl::string_view id, uint32_t shard_count);

// 16 lowercase hex digits.
std::string Hex64(uint64_t value);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_HASHING_H_
