#include "services/common/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace loupe {
namespace {

bool IsHexDigest(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '@') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead:
      return "read";
    case Role::kWrite:
      return "write";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(absl::string_view name) {
  if (name == "read") return Role::kRead;
  if (name == "write") return Role::kWrite;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::optional<Role> RequiredRole(absl::string_view method_path) {
  if (absl::StartsWith(method_path, "/grpc.health.v1.Health/") ||
      absl::StartsWith(method_path, "/grpc.reflection.v1alpha.ServerReflection/") ||
      absl::StartsWith(method_path, "/grpc.reflection.v1.ServerReflection/")) {
    return std::nullopt;
  }
  if (absl::StartsWith(method_path, "/loupe.v1.QueryService/")) return Role::kRead;
  if (method_path == "/loupe.v1.IngestService/Get" ||
      method_path == "/loupe.v1.IngestService/Status") {
    return Role::kRead;
  }
  if (method_path == "/loupe.v1.IngestService/Ingest" ||
      method_path == "/loupe.v1.IngestService/IngestStream" ||
      method_path == "/loupe.v1.IngestService/Delete") {
    return Role::kWrite;
  }
  // AdminService, IndexService and any method added later: admin until
  // someone decides otherwise (fail closed).
  return Role::kAdmin;
}

Sha256Digest Sha256(absl::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

std::string Sha256Hex(absl::string_view data) {
  const Sha256Digest digest = Sha256(data);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

absl::StatusOr<std::string> GenerateApiKey() {
  uint8_t bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("OpenSSL RAND_bytes failed");
  }
  std::string key = absl::StrCat(
      "lk_", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes))));
  OPENSSL_cleanse(bytes, sizeof(bytes));
  return key;
}

std::string ApiKeyFileLine(Role role, absl::string_view key, absl::string_view name) {
  return absl::StrCat(RoleName(role), " ", Sha256Hex(key), " ", name);
}

absl::StatusOr<ApiKeyStore> ApiKeyStore::Parse(absl::string_view text) {
  ApiKeyStore store;
  std::set<std::string> names;
  std::set<Sha256Digest> digests;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const size_t hash_mark = line.find('#');
    if (hash_mark != absl::string_view::npos) line = line.substr(0, hash_mark);
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    auto error = [line_number](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", why));
    };
    if (fields.size() != 3) return error("want 3 fields: ROLE SHA256_HEX NAME");
    const std::optional<Role> role = ParseRole(fields[0]);
    if (!role) return error("role must be read, write or admin");
    if (!IsHexDigest(fields[1])) {
      return error("second field must be the key's SHA-256 as 64 hex digits (loupe-keys hash)");
    }
    if (!IsValidName(fields[2])) {
      return error("name must be 1-128 of letters, digits, '-', '_', '.', '@'");
    }
    ApiKey key{*role, {}, std::string(fields[2])};
    const std::string raw = absl::HexStringToBytes(absl::AsciiStrToLower(fields[1]));
    std::copy(raw.begin(), raw.end(), key.digest.begin());
    if (!names.insert(key.name).second) return error(absl::StrCat("duplicate name ", key.name));
    if (!digests.insert(key.digest).second) return error("the same key appears twice");
    store.keys_.push_back(std::move(key));
  }
  return store;
}

const ApiKey* ApiKeyStore::Find(absl::string_view presented) const {
  const Sha256Digest digest = Sha256(presented);
  const ApiKey* found = nullptr;
  for (const ApiKey& key : keys_) {
    // No early exit: the time taken does not depend on which entry matches.
    const bool equal = CRYPTO_memcmp(key.digest.data(), digest.data(), digest.size()) == 0;
    if (equal) found = &key;
  }
  return found;
}

std::optional<absl::string_view> BearerToken(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  constexpr absl::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  absl::string_view token = absl::StripAsciiWhitespace(header.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace loupe
