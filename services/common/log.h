// One line per event on stderr: "2026-11-28T20:49:14.123Z I loupe-index message".
//
//   LogInfo(absl::StrCat("applied ", n, " operations up to sequence ", seq));
//   LogError(absl::StrCat("ship to shard ", shard, ": ", status.ToString()));
#ifndef LOUPE_SERVICES_COMMON_LOG_H_
#define LOUPE_SERVICES_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace loupe {

// Names the process in every line (default: "loupe").
void SetLogProgramName(absl::string_view name);

void LogInfo(absl::string_view message);
void LogWarning(absl::string_view message);
void LogError(absl::string_view message);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_LOG_H_
