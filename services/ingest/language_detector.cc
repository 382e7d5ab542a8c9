#include "services/ingest/language_detector.h"

#include <cld2/public/compact_lang_det.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace loupe {
namespace {

// CLD2 looks at the first part of the text only as far as it needs; bounding
// the input keeps detection cheap on 1 MiB bodies.
constexpr size_t kMaxDetectionBytes = 64 * 1024;

// Cuts `text` at a UTF-8 character boundary at or before `limit` bytes.
absl::string_view TruncateUtf8(absl::string_view text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

std::string DetectLanguage(absl::string_view title, absl::string_view body) {
  const std::string text =
      std::string(TruncateUtf8(absl::StrCat(title, "\n", body), kMaxDetectionBytes));
  CLD2::Language language3[3];
  int percent3[3];
  double normalized_score3[3];
  int text_bytes = 0;
  bool is_reliable = false;
  int valid_prefix_bytes = 0;
  const CLD2::Language language = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true,
      /*cld_hints=*/nullptr, /*flags=*/0, language3, percent3, normalized_score3,
      /*resultchunkvector=*/nullptr, &text_bytes, &is_reliable, &valid_prefix_bytes);
  if (!is_reliable || language == CLD2::UNKNOWN_LANGUAGE ||
      language == CLD2::TG_UNKNOWN_LANGUAGE) {
    return std::string(kUndeterminedLanguage);
  }
  // Codes such as "zh-Hant" or "pt-PT": keep the language part.
  std::string code = CLD2::LanguageCode(language);
  code = absl::AsciiStrToLower(code.substr(0, code.find('-')));
  const bool letters_only = std::all_of(code.begin(), code.end(), [](char c) {
    return absl::ascii_isalpha(static_cast<unsigned char>(c));
  });
  if (code.size() < 2 || code.size() > 3 || !letters_only) return std::string(kUndeterminedLanguage);
  return code;
}

}  // namespace loupe
