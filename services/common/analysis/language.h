// Per-language analysis rules: which ISO 639-1 code maps to which Snowball
// stemmer, which elided articles a language drops ("l'", "dell'"), and its
// stop words. Pure lookups over static tables; thread-safe.
//
// Codes are normalised first ("FR", "fr-CA", "fr_FR" -> "fr"); "" and "und"
// mean unknown (no stemmer, no stop words).
//
//   const LanguageRules& rules = RulesForLanguage("fr-FR");
//   rules.snowball_algorithm  // "french"
//   rules.IsStopWord("les")   // true
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_LANGUAGE_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_LANGUAGE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace loupe {

struct LanguageRules {
  // Normalised ISO 639-1 code; "" when unknown.
  std::string code;
  // libstemmer algorithm name ("french"); "" = no stemming.
  std::string snowball_algorithm;
  // The stemmer only rewrites the end of a word, so a stem (accents folded)
  // starts with the word's first letter when that letter is ASCII. False
  // for stemmers that strip or rewrite prefixes (Indonesian "ber-", Irish
  // eclipsis "bhf-", Serbian "dj" -> "đ") and those not checked by
  // icu_analyzer_test.
  bool stem_keeps_ascii_first_letter = false;
  // Case-folded elided prefixes, without the apostrophe ("l", "jusqu").
  absl::flat_hash_set<std::string> elision_prefixes;
  // Case-folded (NFKC_Casefold, accents kept) stop words; empty = none.
  // Add them with AddStopWord, which keeps stop_word_lengths in step.
  absl::flat_hash_set<std::string> stop_words;
  // Per ASCII first byte, bit n set when a stop word of n bytes (n < 32)
  // starts with it: most words are told apart from every stop word by
  // these two alone, without hashing (every word of every analysed text
  // is checked).
  std::array<uint32_t, 128> stop_word_lengths{};

  void AddStopWord(absl::string_view word) {
    stop_words.insert(std::string(word));
    if (!word.empty() && static_cast<unsigned char>(word[0]) < 0x80 && word.size() < 32) {
      stop_word_lengths[static_cast<unsigned char>(word[0])] |= uint32_t{1} << word.size();
    }
  }
  bool IsStopWord(absl::string_view folded_word) const {
    if (!folded_word.empty() && static_cast<unsigned char>(folded_word[0]) < 0x80 &&
        folded_word.size() < 32 &&
        (stop_word_lengths[static_cast<unsigned char>(folded_word[0])] >> folded_word.size() &
         1) == 0) {
      return false;
    }
    return stop_words.contains(folded_word);
  }
  bool known() const { return !code.empty(); }
};

// "FR" / "fr-CA" / "fr_FR" -> "fr"; "", "und" and codes that are not 2–3
// ASCII letters -> "".
std::string NormaliseLanguageCode(absl::string_view lang);

// Rules for `lang` (any form NormaliseLanguageCode accepts). A code with no
// table gives rules with `code` set and nothing else (no stemming, no stop
// words). Unknown languages strip every known elision (language-neutral
// clitics) but neither stem nor drop stop words.
const LanguageRules& RulesForLanguage(absl::string_view lang);

// The ISO 639-1 codes that have a Snowball stemmer, sorted.
std::vector<std::string> StemmedLanguageCodes();

// Stop lists, written for this project (small, standard function words).
// Defined in stop_words.cc. Empty for languages without a list.
const std::vector<absl::string_view>& StopWordList(absl::string_view code);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_LANGUAGE_H_
