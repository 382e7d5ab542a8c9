#include "services/common/log.h"

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, log_format, "text",
          "Log line format: text (\"TIME LEVEL PROGRAM message\") or json (one JSON object "
          "per line: ts, level, program, msg)");

namespace loupe {
namespace {

absl::Mutex log_mutex;
std::string& ProgramName() {
  static std::string* name = new std::string("loupe");
  return *name;
}

void Emit(char level, absl::string_view message) {
  std::string program;
  {
    absl::MutexLock lock(&log_mutex);
    program = ProgramName();
  }
  const std::string line =
      FormatLogLine(level, program, message, absl::GetFlag(FLAGS_log_format) == "json",
                    absl::Now());
  absl::MutexLock lock(&log_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::string FormatLogLine(char level, absl::string_view program, absl::string_view message,
                          bool json, absl::Time time) {
  const std::string timestamp =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  if (!json) {
    // One event, one line: embedded newlines are escaped.
    std::string line = absl::StrCat(timestamp, " ", std::string(1, level), " ", program, " ");
    for (char c : message) {
      if (c == '\n') {
        line += "\\n";
      } else {
        line += c;
      }
    }
    return line + "\n";
  }
  const char* level_name = level == 'E' ? "error" : level == 'W' ? "warning" : "info";
  return absl::StrCat("{\"ts\":\"", timestamp, "\",\"level\":\"", level_name,
                      "\",\"program\":", JsonString(program), ",\"msg\":", JsonString(message),
                      "}\n");
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void SetLogProgramName(absl::string_view name) {
  absl::MutexLock lock(&log_mutex);
  ProgramName() = std::string(name);
}

void LogInfo(absl::string_view message) { Emit('I', message); }
void LogWarning(absl::string_view message) { Emit('W', message); }
void LogError(absl::string_view message) { Emit('E', message); }

}  // namespace loupe
