// IcuAnalyzer: Unicode word segmentation (ICU BreakIterator), NFKC case
// folding, French/Italian elision and English possessives, accent folding,
// and decimal commas read as points ("16,86" == "16.86").
//
// No stemming and no stop words yet: the language-specific pipeline
// (Snowball stemmers, stop lists) plugs in behind the same Analyzer
// interface.
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_ICU_ANALYZER_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_ICU_ANALYZER_H_

#include "services/common/analysis/analyzer.h"

namespace loupe {

class IcuAnalyzer : public Analyzer {
 public:
  void Analyze(absl::string_view text, absl::string_view lang,
               std::vector<Token>* tokens) const override;
  std::string Version() const override { return "icu-fold-1"; }
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_ICU_ANALYZER_H_
