// Turns a field's text into what the inverted index stores for it: each
// distinct term with its ascending positions, and the field's token count.
// The writer uses it both to add a document and, re-analysing the stored
// text, to find the postings of a document it removes.
//
//   FieldTerms terms = AnalyzeField(*analyzer, doc.title(), doc.lang());
//   for (const auto& [term, positions] : terms.positions) { ... }
#ifndef LOUPE_SERVICES_INDEX_FIELD_TERMS_H_
#define LOUPE_SERVICES_INDEX_FIELD_TERMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "services/common/analysis/analyzer.h"

namespace loupe {

struct FieldTerms {
  // Term -> ascending positions, in no order (the writer sorts a batch's
  // changes by term key before it writes them).
  absl::flat_hash_map<std::string, std::vector<uint32_t>> positions;
  // Tokens in the field (the BM25 field length).
  uint32_t token_count = 0;
};

// `text` must be valid UTF-8. Terms that are empty or contain '\0' (which
// the posting key uses as separator) are counted but not indexed.
FieldTerms AnalyzeField(const Analyzer& analyzer, absl::string_view text,
                        absl::string_view lang);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_FIELD_TERMS_H_
