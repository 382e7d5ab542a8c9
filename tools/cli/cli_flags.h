// Flags of the `loupe` command-line client and the argument splitting that
// turns argv into a command, its positional arguments and parsed flags.
//
// Every flag can also come from the environment (LOUPE_<FLAG>, e.g.
// LOUPE_INGEST=host:50051), through loupe::ParseFlags; the command line wins.
// Flags may appear anywhere after the command; `--` ends the flags. For
// `search`, a token that starts with a single '-' and is not a known flag is
// part of the query (`loupe search -draft`), so exclusions need no quoting.
//
//   CliArgs args;
//   if (!ParseCliArgs(argc, argv, &args)) return kExitUsage;  // message printed
//   if (args.command == "search") return RunSearch(args.positional);
#ifndef LOUPE_TOOLS_CLI_CLI_FLAGS_H_
#define LOUPE_TOOLS_CLI_CLI_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, ingest);
ABSL_DECLARE_FLAG(std::string, query);
ABSL_DECLARE_FLAG(int64_t, timeout_ms);
ABSL_DECLARE_FLAG(std::string, api_key);
ABSL_DECLARE_FLAG(int32_t, batch_size);
ABSL_DECLARE_FLAG(int64_t, batch_bytes);
ABSL_DECLARE_FLAG(bool, skip_bad_lines);
ABSL_DECLARE_FLAG(int32_t, parallel);
ABSL_DECLARE_FLAG(std::string, id);
ABSL_DECLARE_FLAG(int32_t, max_retries);
ABSL_DECLARE_FLAG(int32_t, limit);
ABSL_DECLARE_FLAG(int32_t, offset);
ABSL_DECLARE_FLAG(int32_t, snippet_chars);
ABSL_DECLARE_FLAG(bool, json);

namespace loupe::cli {

// Exit codes: success, a failed operation, bad usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct CliArgs {
  // "ingest", "search", "get", "delete", "status", "help"; empty when none.
  std::string command;
  // Arguments after the command that are not flags.
  std::vector<std::string> positional;
};

// Parses argv (environment first, then flags). On bad usage prints
// "loupe: <why>" and a hint to stderr and returns false. `--help`, `-h` and
// `help` give command "help".
bool ParseCliArgs(int argc, char** argv, CliArgs* args);

// The usage summary printed by `loupe --help`.
const char* UsageText();

// --timeout_ms when set on the command line or environment, else the
// per-call default (10000 ms for ingest calls, 5000 ms for the others).
int64_t TimeoutMs(int64_t default_ms);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_CLI_FLAGS_H_
