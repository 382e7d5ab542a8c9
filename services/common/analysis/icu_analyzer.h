// IcuAnalyzer: the analysis pipeline, per word, in this order:
//  1. Unicode word segmentation (ICU BreakIterator, root locale: UAX #29):
//     "l'ancien", "Nvidia's", "16,86", "U.S" stay one word; "open-source",
//     "e-mail" split; quotes and punctuation are not words.
//  2. NFKC case folding; ’ and ʼ read as '.
//  3. Elision for fr, it, ca ("l'", "d'", "qu'", "jusqu'", "dell'", …; an
//     unknown language strips them all), and the English possessive "'s" in
//     every language ("Nvidia's" in a French article; Dutch "auto's").
//  4. Acronyms: "u.s" -> "us".
//  5. Words with a digit are numbers: decimal commas become points
//     ("16,86" == "16.86"); no stop words, no stemming.
//  6. Stop words of the language (language.h): the word is dropped but still
//     consumes a position, so phrases keep their gaps.
//  7. Snowball stemmer of the language (libstemmer), on the accented word.
//  8. Accent folding (Latin diacritics, œ -> oe): "réveil", "RÉVEIL" and
//     "reveil" meet.
// Unknown language ("", "und", or no table): steps 6 and 7 are skipped.
// ASCII pieces of text take a faster path for step 1 (ascii_words.h) with
// the same result; Segmentation::kIcuOnly turns it off, as the reference
// that tests and benchmarks compare it with.
// Offsets point at the whole original word (elided article included).
//
//   IcuAnalyzer analyzer;
//   std::vector<Token> tokens;
//   analyzer.Analyze("Les réveils d'Apple", "fr", &tokens);
//   // {"reveil", 1, 4, 13}, {"apple", 2, 14, 21}  ("les" is a stop word)
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_ICU_ANALYZER_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_ICU_ANALYZER_H_

#include <string>

#include "services/common/analysis/analyzer.h"

namespace loupe {

class IcuAnalyzer : public Analyzer {
 public:
  enum class Segmentation {
    kAsciiFastPath,  // ASCII pieces without ICU (the default).
    kIcuOnly,        // Every word through ICU's break iterator.
  };

  explicit IcuAnalyzer(Segmentation segmentation = Segmentation::kAsciiFastPath)
      : segmentation_(segmentation) {}

  void Analyze(absl::string_view text, absl::string_view lang,
               std::vector<Token>* tokens) const override;
  void AnalyzeLookingFor(absl::string_view text, absl::string_view lang,
                         const absl::flat_hash_set<std::string>& wanted,
                         std::vector<Token>* tokens) const override;
  // Words of ASCII letters that no wanted term starts with are only
  // checked against the stop list (nothing else in the analysis can make
  // their term wanted), and no term string is kept.
  void MatchTokens(absl::string_view text, absl::string_view lang,
                   const absl::flat_hash_set<std::string>& wanted,
                   std::vector<TokenMatch>* matches) const override;
  // Segments and case-folds `text` once for all the languages.
  void AnalyzeInLanguages(absl::Span<const std::string> langs, absl::string_view text,
                          std::vector<std::vector<Token>>* per_language) const override;
  std::string Version() const override { return "icu-snowball-stop-2"; }

 private:
  Segmentation segmentation_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_ICU_ANALYZER_H_
