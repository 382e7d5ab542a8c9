#include "services/common/log.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace loupe {
namespace {

absl::Mutex log_mutex;
std::string& ProgramName() {
  static std::string* name = new std::string("loupe");
  return *name;
}

void Emit(char level, absl::string_view message) {
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
      std::string(1, level), " ", ProgramName(), " ");
  // One event, one line: embedded newlines are escaped.
  for (char c : message) {
    if (c == '\n') {
      line += "\\n";
    } else {
      line += c;
    }
  }
  line += '\n';
  absl::MutexLock lock(&log_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void SetLogProgramName(absl::string_view name) {
  absl::MutexLock lock(&log_mutex);
  ProgramName() = std::string(name);
}

void LogInfo(absl::string_view message) { Emit('I', message); }
void LogWarning(absl::string_view message) { Emit('W', message); }
void LogError(absl::string_view message) { Emit('E', message); }

}  // namespace loupe
