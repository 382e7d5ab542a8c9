#include "services/index/field_terms.h"

#include "absl/strings/match.h"

namespace loupe {

FieldTerms AnalyzeField(const Analyzer& analyzer, absl::string_view text,
                        absl::string_view lang) {
  FieldTerms result;
  if (text.empty()) return result;
  std::vector<Token> tokens;
  analyzer.Analyze(text, lang, &tokens);
  result.token_count = static_cast<uint32_t>(tokens.size());
  for (const Token& token : tokens) {
    if (token.term.empty() || absl::StrContains(token.term, '\0')) continue;
    result.positions[token.term].push_back(token.position);
  }
  return result;
}

}  // namespace loupe
