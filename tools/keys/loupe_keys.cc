// loupe-keys: makes API keys and the lines of --api_keys_file.
//
//   loupe-keys generate                  # a new random key on stdout
//   echo "$KEY" | loupe-keys hash write ingest-bot   # "write <sha256> ingest-bot"
//   KEY=$(loupe-keys generate); echo "$KEY" | loupe-keys hash read dashboard >> keys.txt
//
// The key is read from stdin, not argv, so it stays out of `ps` and shell
// history. Only the printed line (role, SHA-256, name) goes in the key file.
#include <iostream>
#include <string>

#include "absl/strings/ascii.h"
#include "services/common/api_keys.h"

namespace {

constexpr const char kUsage[] =
    "usage:\n"
    "  loupe-keys generate            print a new random API key\n"
    "  loupe-keys hash ROLE NAME      read a key from stdin, print its --api_keys_file line\n"
    "                                 (ROLE: read, write or admin; NAME: what logs show)\n";

int Generate() {
  absl::StatusOr<std::string> key = loupe::GenerateApiKey();
  if (!key.ok()) {
    std::cerr << "loupe-keys: " << key.status().message() << std::endl;
    return 1;
  }
  std::cout << *key << std::endl;
  return 0;
}

int Hash(const std::string& role_name, const std::string& name) {
  const std::optional<loupe::Role> role = loupe::ParseRole(role_name);
  if (!role) {
    std::cerr << "loupe-keys: role must be read, write or admin" << std::endl;
    return 2;
  }
  std::string key;
  std::getline(std::cin, key);
  key = std::string(absl::StripAsciiWhitespace(key));
  if (key.empty()) {
    std::cerr << "loupe-keys: no key on stdin" << std::endl;
    return 2;
  }
  const std::string line = loupe::ApiKeyFileLine(*role, key, name);
  // Check the line the way the services will read it.
  absl::StatusOr<loupe::ApiKeyStore> parsed = loupe::ApiKeyStore::Parse(line);
  if (!parsed.ok()) {
    std::cerr << "loupe-keys: " << parsed.status().message() << std::endl;
    return 2;
  }
  std::cout << line << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "generate" && argc == 2) return Generate();
  if (command == "hash" && argc == 4) return Hash(argv[2], argv[3]);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << kUsage;
  return 2;
}
