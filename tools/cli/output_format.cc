#include "tools/cli/output_format.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace loupe::cli {
namespace {

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF) ||
      code_point == 0) {
    code_point = 0xFFFD;
  }
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string HtmlUnescape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '&') {
      out.push_back(text[i++]);
      continue;
    }
    const size_t semicolon = text.find(';', i);
    if (semicolon == absl::string_view::npos || semicolon - i > 10) {
      out.push_back(text[i++]);
      continue;
    }
    const absl::string_view name = text.substr(i + 1, semicolon - i - 1);
    std::string decoded;
    if (name == "amp") decoded = "&";
    else if (name == "lt") decoded = "<";
    else if (name == "gt") decoded = ">";
    else if (name == "quot") decoded = "\"";
    else if (name == "apos") decoded = "'";
    else if (name == "nbsp") decoded = "\xC2\xA0";
    else if (name.size() > 1 && name[0] == '#') {
      uint32_t code_point = 0;
      const bool hex = name[1] == 'x' || name[1] == 'X';
      const absl::string_view digits = name.substr(hex ? 2 : 1);
      const bool ok = hex ? absl::SimpleHexAtoi(digits, &code_point)
                          : absl::SimpleAtoi(digits, &code_point);
      if (ok && !digits.empty()) AppendUtf8(code_point, &decoded);
    }
    if (decoded.empty()) {
      out.push_back(text[i++]);
      continue;
    }
    out += decoded;
    i = semicolon + 1;
  }
  return out;
}

std::string RenderSnippet(absl::string_view snippet, bool ansi) {
  static constexpr absl::string_view kOpen = "<mark>";
  static constexpr absl::string_view kClose = "</mark>";
  std::string out;
  size_t i = 0;
  while (i < snippet.size()) {
    const size_t open = snippet.find(kOpen, i);
    const size_t close = snippet.find(kClose, i);
    const size_t next = std::min(open, close);
    out += HtmlUnescape(snippet.substr(i, next == absl::string_view::npos ? absl::string_view::npos
                                                                           : next - i));
    if (next == absl::string_view::npos) break;
    if (next == open) {
      out += ansi ? "\033[1m" : "[";
      i = open + kOpen.size();
    } else {
      out += ansi ? "\033[0m" : "]";
      i = close + kClose.size();
    }
  }
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && IsContinuationByte(text[end])) --end;
  return text.substr(0, end);
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (char c : text) width += IsContinuationByte(c) ? 0 : 1;
  return width;
}

std::string Ellipsize(absl::string_view text, size_t columns) {
  if (DisplayWidth(text) <= columns) return std::string(text);
  if (columns == 0) return "";
  size_t kept = 0;
  size_t end = 0;
  while (end < text.size() && kept < columns - 1) {
    ++end;
    while (end < text.size() && IsContinuationByte(text[end])) ++end;
    ++kept;
  }
  return absl::StrCat(text.substr(0, end), "…");
}

std::string FormatTimestampDate(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime(absl::RFC3339_sec,
                          absl::FromUnixSeconds(timestamp.seconds()) +
                              absl::Nanoseconds(timestamp.nanos()),
                          absl::UTCTimeZone());
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1000) return absl::StrCat(bytes, " B");
  static const char* const kUnits[] = {"KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1000 && unit < 3) {
    value /= 1000;
    ++unit;
  }
  if (value < 10) return absl::StrFormat("%.2f %s", value, kUnits[unit]);
  if (value < 100) return absl::StrFormat("%.1f %s", value, kUnits[unit]);
  return absl::StrFormat("%.0f %s", value, kUnits[unit]);
}

std::string FormatCount(int64_t value) {
  std::string digits = absl::StrCat(value < 0 ? -value : value);
  std::string out;
  const int first_group = static_cast<int>(digits.size()) % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (static_cast<int>(i) - first_group) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace loupe::cli
