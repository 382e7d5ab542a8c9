// Command-line parsing where every flag can also come from the environment.
//
// For a flag --foo_bar, the variable LOUPE_FOO_BAR is read first; a flag on
// the command line wins over the environment. This is how containers and
// Kubernetes manifests configure Loupe without long argument lists.
//
//   int main(int argc, char** argv) {
//     loupe::ParseFlags(argc, argv, "loupe-index: one shard of the index");
//     ...
//   }
#ifndef LOUPE_SERVICES_COMMON_FLAGS_H_
#define LOUPE_SERVICES_COMMON_FLAGS_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace loupe {

// Applies LOUPE_* environment variables to the registered flags, then parses
// argv. Exits with a message on an invalid value. Returns the positional
// arguments (argv[0] first).
std::vector<char*> ParseFlags(int argc, char** argv, absl::string_view usage);

// "LOUPE_" + upper-cased flag name: "shard_id" -> "LOUPE_SHARD_ID".
std::string EnvVariableForFlag(absl::string_view flag_name);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_FLAGS_H_
