// Unicode word segmentation (UAX #29, as ICU's root word break iterator
// applies it) for ASCII text, without ICU: most words of English and French
// news are ASCII, and ICU's break iterator, the UTF-16 copy it needs and the
// offset mapping back to UTF-8 took about a third of the analysis time.
//
// The rules, restricted to ASCII:
//  - letters (with '@', as ICU's rules have it), digits and '_' join
//    (WB5, WB8-10, WB13a/b);
//  - '.' and '\'' join two letters (WB6/7), "U.S", "can't";
//  - ',' ';' '.' and '\'' join two digits (WB11/12), "16,86", "3.14";
//  - everything else is not a word; ':' joins nothing (ICU's root rules
//    remove it from MidLetter).
// White space splits text into pieces that UAX #29 segments apart: it always
// breaks before an ASCII white space character, and after one unless a
// combining mark or format character follows (never ASCII). So an ASCII
// piece can be segmented here while the pieces around it go to ICU.
//
// icu_analyzer_test compares this with ICU on random text.
//
//   ForEachAsciiWord("U.S. can't 16,86%", [](size_t begin, size_t end) { ... });
//   // [0, 3) "U.S", [5, 10) "can't", [11, 16) "16,86"
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_ASCII_WORDS_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_ASCII_WORDS_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace loupe {

// Space, tab, line feed, vertical tab, form feed, carriage return.
inline bool IsAsciiWhiteSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

namespace ascii_words_internal {

// ICU's root rules count '@' as a letter ("user@example").
inline bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '@';
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsWordChar(char c) { return IsLetter(c) || IsDigit(c) || c == '_'; }

}  // namespace ascii_words_internal

// Calls word(begin, end) for each word of `text` (ASCII only), in order, as
// byte offsets into `text`. A run of '_' alone is not a word.
template <typename WordCallback>
void ForEachAsciiWord(absl::string_view text, WordCallback&& word) {
  using ascii_words_internal::IsDigit;
  using ascii_words_internal::IsLetter;
  using ascii_words_internal::IsWordChar;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (!IsWordChar(text[i])) {
      ++i;
      continue;
    }
    const size_t begin = i;
    bool alphanumeric = false;
    while (i < n) {
      const char c = text[i];
      if (IsWordChar(c)) {
        alphanumeric = alphanumeric || c != '_';
        ++i;
        continue;
      }
      if (i + 1 < n) {
        const char before = text[i - 1];
        const char after = text[i + 1];
        const bool letters = IsLetter(before) && IsLetter(after) && (c == '.' || c == '\'');
        const bool digits = IsDigit(before) && IsDigit(after) &&
                            (c == ',' || c == ';' || c == '.' || c == '\'');
        if (letters || digits) {
          i += 2;
          continue;
        }
      }
      break;
    }
    if (alphanumeric || i - begin > 1) word(begin, i);
  }
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_ASCII_WORDS_H_
