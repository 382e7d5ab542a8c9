// One line per event on stderr: "2026-11-28T20:49:14.123Z I loupe-index message",
// or with --log_format=json one JSON object per line:
// {"ts":"2026-11-28T20:49:14.123Z","level":"info","program":"loupe-index","msg":"…"}.
//
//   LogInfo(absl::StrCat("applied ", n, " operations up to sequence ", seq));
//   LogError(absl::StrCat("ship to shard ", shard, ": ", status.ToString()));
#ifndef LOUPE_SERVICES_COMMON_LOG_H_
#define LOUPE_SERVICES_COMMON_LOG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace loupe {

// Names the process in every line (default: "loupe").
void SetLogProgramName(absl::string_view name);

void LogInfo(absl::string_view message);
void LogWarning(absl::string_view message);
void LogError(absl::string_view message);

// The line Emit writes (exposed for tests). `level` is 'I', 'W' or 'E'.
std::string FormatLogLine(char level, absl::string_view program, absl::string_view message,
                          bool json, absl::Time time);

// `text` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view text);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_LOG_H_
