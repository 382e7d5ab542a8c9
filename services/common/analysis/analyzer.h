// The text analyser: turns a field's text into the terms that are indexed and
// searched. The same analyser runs at index time (loupe-index) and at query
// time (loupe-query), so that a query term meets the indexed term.
//
// Analyzer is the interface; MakeDefaultAnalyzer() returns the current
// implementation. Its Version() is recorded in every index: a shard built
// with another version refuses to start until it is reindexed.
//
//   std::unique_ptr<Analyzer> analyzer = MakeDefaultAnalyzer();
//   std::vector<Token> tokens;
//   analyzer->Analyze("L'ancien président «réveil»", "fr", &tokens);
//   // tokens: {"ancien", 0, 0, 8}, {"president", 1, 9, 19}, {"reveil", 2, 22, 29}
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_ANALYZER_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_ANALYZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace loupe {

struct Token {
  // Normalised form, as stored in the index (UTF-8).
  std::string term;
  // 0-based ordinal of the token in its field (for phrases and proximity).
  uint32_t position = 0;
  // Byte offsets of the token in the original UTF-8 text: [begin, end).
  uint32_t begin = 0;
  uint32_t end = 0;

  bool operator==(const Token& other) const {
    return term == other.term && position == other.position && begin == other.begin &&
           end == other.end;
  }
};

// A token reduced to what highlighting needs: its byte offsets in the
// analysed text and whether its term is one of the terms looked for.
struct TokenMatch {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool wanted = false;

  bool operator==(const TokenMatch& other) const {
    return begin == other.begin && end == other.end && wanted == other.wanted;
  }
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;

  // Appends the tokens of `text` to *tokens. `text` must be valid UTF-8.
  // `lang` is an ISO 639-1 code, or "" / "und" when unknown (then no
  // stemming and no stop words). A dropped stop word still consumes a
  // position. Thread-safe.
  virtual void Analyze(absl::string_view text, absl::string_view lang,
                       std::vector<Token>* tokens) const = 0;

  // As Analyze, for callers that only ask which tokens have a term in
  // `wanted` (snippets, highlighting): every token is there with the same
  // position and offsets, a token whose term is in `wanted` has the same
  // term, and the others may be left unstemmed (never into a wanted term),
  // which saves the stemming of most words. Thread-safe.
  virtual void AnalyzeLookingFor(absl::string_view text, absl::string_view lang,
                                 const absl::flat_hash_set<std::string>& wanted,
                                 std::vector<Token>* tokens) const {
    Analyze(text, lang, tokens);
  }

  // Appends, for each token Analyze gives (in order), its offsets and
  // whether its term is in `wanted`: all a snippet asks. Implementations may
  // skip the work that cannot make a word's term wanted. Thread-safe.
  virtual void MatchTokens(absl::string_view text, absl::string_view lang,
                           const absl::flat_hash_set<std::string>& wanted,
                           std::vector<TokenMatch>* matches) const {
    std::vector<Token> tokens;
    AnalyzeLookingFor(text, lang, wanted, &tokens);
    for (const Token& token : tokens) {
      matches->push_back({token.begin, token.end, wanted.contains(token.term)});
    }
  }

  // As Analyze in each of `langs` in turn: (*per_language)[l] gets the
  // tokens Analyze(text, langs[l], ...) would append (it is resized to
  // langs.size(); each list is appended to). Implementations may share the
  // work that does not depend on the language (segmentation, case folding).
  // Thread-safe.
  virtual void AnalyzeInLanguages(absl::Span<const std::string> langs, absl::string_view text,
                                  std::vector<std::vector<Token>>* per_language) const {
    per_language->resize(langs.size());
    for (size_t l = 0; l < langs.size(); ++l) Analyze(text, langs[l], &(*per_language)[l]);
  }

  // Identifies the analysis rules; changes whenever they change.
  virtual std::string Version() const = 0;
};

// The analyser every service uses.
std::unique_ptr<Analyzer> MakeDefaultAnalyzer();

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_ANALYZER_H_
