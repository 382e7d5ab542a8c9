// The per-word steps of the analyser, as small pure functions over UTF-8
// words (IcuAnalyzer chains them; see icu_analyzer.h for the order).
//
//   std::string word = FoldCase(u"L’Ancien");   // "l’ancien"
//   NormaliseApostrophes(&word);                // "l'ancien"
//   StripElision(RulesForLanguage("fr").elision_prefixes, &word);  // "ancien"
//   FoldAccents("réveil")                        // "reveil"
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_TOKEN_FILTERS_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_TOKEN_FILTERS_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "unicode/unistr.h"

namespace loupe {

// NFKC_Casefold of a word, as UTF-8 (ASCII words take a fast path).
std::string FoldCase(const icu::UnicodeString& word);

// U+2019 (’) and U+02BC (ʼ) -> ASCII apostrophe.
void NormaliseApostrophes(std::string* word);

// "l'avion" -> "avion" when the text before the first apostrophe is one of
// `prefixes` and something follows it.
void StripElision(const absl::flat_hash_set<std::string>& prefixes, std::string* word);

// "nvidia's" -> "nvidia" (English possessive).
void StripPossessive(std::string* word);

// Single letters joined by dots ("u.s", "u.s.a") -> "us", "usa".
void JoinAcronym(std::string* word);

// True when `word` has an ASCII digit; then decimal commas become points
// ("16,86" -> "16.86"), so both spellings of a number meet.
bool NormaliseNumber(std::string* word);

// Removes combining diacritics (U+0300–U+036F) from Latin letters after
// canonical decomposition, and spells out œ æ ø ł đ ð þ: "réveil" ->
// "reveil", "œuvre" -> "oeuvre". Other scripts are left alone (their marks
// are letters of the word). ASCII input is returned as is.
std::string FoldAccents(absl::string_view word);

// Whether `word` is made of ASCII letters a-z only: then NormaliseApostrophes,
// StripElision, StripPossessive, JoinAcronym, NormaliseNumber and
// FoldAccents all leave it as it is (no apostrophe, dot, digit or accent
// for them to act on), and only the stop list and the stemmer remain.
inline bool IsLowercaseAsciiWord(absl::string_view word) {
  if (word.empty()) return false;
  for (char c : word) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_TOKEN_FILTERS_H_
