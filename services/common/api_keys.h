// API keys of the public services: a key file, roles, and which role each RPC
// needs. Engine-free and gRPC-free, so it is unit-tested in-process.
//
// Key file (--api_keys_file), one key per line, '#' starts a comment:
//   # role   SHA-256 of the key (64 hex digits)                        name
//   write    3d5c0c3ad5a3d4c0b0a4b1e0c5f1c2a9f0e0d6c1b7a2e9f3c4d5a6b7c8d9e0f1  ingest-bot
// Only hashes are stored; a presented key is hashed (OpenSSL EVP SHA-256) and
// compared with every entry in constant time. Names are what logs show; the
// key itself is never logged. `loupe-keys` generates keys and prints lines.
//
// Roles nest: read < write < admin.
//   read  = QueryService/*, IngestService/Get, IngestService/Status
//   write = read + IngestService/Ingest, IngestStream, Delete
//   admin = every method (AdminService/*, IndexService/*, anything unlisted)
// grpc.health.v1.Health and server reflection need no key.
//
//   absl::StatusOr<ApiKeyStore> keys = ApiKeyStore::Parse(file_text);
//   const ApiKey* key = keys->Find(presented);          // nullptr: unknown
//   if (!RoleAllows(key->role, RequiredRole("/loupe.v1.IngestService/Ingest"))) ...
#ifndef LOUPE_SERVICES_COMMON_API_KEYS_H_
#define LOUPE_SERVICES_COMMON_API_KEYS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loupe {

enum class Role { kRead = 1, kWrite = 2, kAdmin = 3 };

// "read", "write", "admin".
absl::string_view RoleName(Role role);
std::optional<Role> ParseRole(absl::string_view name);

// Whether a key of role `granted` may call a method that needs `needed`.
inline bool RoleAllows(Role granted, Role needed) {
  return static_cast<int>(granted) >= static_cast<int>(needed);
}

// The role an RPC needs, from its path "/package.Service/Method"; nullopt
// for methods open to everyone (health checks and reflection).
std::optional<Role> RequiredRole(absl::string_view method_path);

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data` (OpenSSL EVP).
Sha256Digest Sha256(absl::string_view data);
std::string Sha256Hex(absl::string_view data);

// A new random key (256 bits from OpenSSL's RAND_bytes), "lk_" + 64 hex digits.
absl::StatusOr<std::string> GenerateApiKey();

// The key-file line for `key`: "<role> <sha256 hex> <name>".
std::string ApiKeyFileLine(Role role, absl::string_view key, absl::string_view name);

struct ApiKey {
  Role role;
  Sha256Digest digest;
  std::string name;
};

class ApiKeyStore {
 public:
  // Parses a key file; errors name the line ("line 3: ...") and never echo a
  // hash. Duplicate names or hashes are refused; an empty file is allowed
  // (every keyed call is then refused).
  static absl::StatusOr<ApiKeyStore> Parse(absl::string_view text);

  // The entry whose hash is SHA-256(presented), or nullptr. Compares with
  // every entry in constant time, whatever matches.
  const ApiKey* Find(absl::string_view presented) const;

  size_t size() const { return keys_.size(); }

 private:
  std::vector<ApiKey> keys_;
};

// The key in an "authorization" header value "Bearer <key>" (scheme
// case-insensitive, surrounding spaces ignored), or nullopt.
std::optional<absl::string_view> BearerToken(absl::string_view header);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_API_KEYS_H_
