// ScoringContext: the BM25 parameters and GLOBAL statistics of one search
// request, with the lookups both the exhaustive evaluator
// (query_evaluator.h) and the pruned top-k (top_k_search.h) need, so that
// the two compute every score from the same numbers.
//
//   ScoringContext scoring = ...;  // ShardSearcher::ResolveScoring
//   uint64_t df;
//   double average;
//   if (GroupDocumentFrequency(scoring, forms, FIELD_BODY, &df) &&
//       AverageFieldLength(scoring, FIELD_BODY, &average)) {
//     double idf = Bm25Idf(scoring.document_count, df);
//   }
#ifndef LOUPE_SERVICES_INDEX_SCORING_CONTEXT_H_
#define LOUPE_SERVICES_INDEX_SCORING_CONTEXT_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "loupe/v1/index.pb.h"
#include "services/index/posting_store.h"

namespace loupe {

struct ScoringContext {
  double k1 = 0;
  double b = 0;
  double title_weight = 0;
  double body_weight = 0;
  uint64_t document_count = 0;
  // PostingStore::TermKey(field, term) -> global document frequency.
  absl::flat_hash_map<std::string, uint64_t> global_df;
  // Field -> global token total; absent = no statistics for that field.
  absl::flat_hash_map<int, uint64_t> field_tokens;
};

// The field's weight (title or body).
inline double FieldWeight(const ScoringContext& scoring, v1::Field field) {
  return field == v1::FIELD_TITLE ? scoring.title_weight : scoring.body_weight;
}

// Global average length of `field`; false when the request has no total
// for it.
inline bool AverageFieldLength(const ScoringContext& scoring, v1::Field field, double* average) {
  auto tokens = scoring.field_tokens.find(field);
  if (tokens == scoring.field_tokens.end()) return false;
  *average = scoring.document_count > 0 ? static_cast<double>(tokens->second) /
                                              static_cast<double>(scoring.document_count)
                                        : 0.0;
  return true;
}

// Document frequency of a group of forms scored as one term: the largest of
// theirs. Calls `missing(form)` for each form without a global df and
// returns false if there was one.
template <typename MissingFn>
bool GroupDocumentFrequency(const ScoringContext& scoring,
                            const std::vector<const std::string*>& forms, v1::Field field,
                            uint64_t* df, MissingFn missing) {
  *df = 0;
  bool complete = true;
  for (const std::string* form : forms) {
    auto it = scoring.global_df.find(PostingStore::TermKey(field, *form));
    if (it == scoring.global_df.end()) {
      missing(*form);
      complete = false;
      continue;
    }
    *df = std::max(*df, it->second);
  }
  return complete;
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SCORING_CONTEXT_H_
