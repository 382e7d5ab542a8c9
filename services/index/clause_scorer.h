// ClauseScorer: one clause of a keyword query walked document at a time,
// with bounds of its score for dynamic pruning (top_k_search.h). Term
// groups (term_group_scorer.h) and phrases (phrase_scorer.h) implement it.
//
// Contract: docid() is kEndDocid before the first Advance/Next and past the
// end; moves are forward only. Score() is the clause's exact score at
// docid() (QueryEvaluator's arithmetic). AdvanceExact(target) only says
// whether the clause matches at `target` (and makes Score() valid there
// when it does), doing no work past it: for a clause that is only looked
// up, such as a phrase checked on another clause's candidate; afterwards
// docid() is defined only after an Advance(> target). max_score() bounds
// Score() over
// every document; BlockBound(target, &upto) bounds it over [target, upto]
// reading block headers only, after which docid() is defined only after an
// Advance(>= target).
//
//   for (scorer->Advance(0); scorer->docid() != kEndDocid; scorer->Next()) {
//     double score = scorer->Score();
//   }
#ifndef LOUPE_SERVICES_INDEX_CLAUSE_SCORER_H_
#define LOUPE_SERVICES_INDEX_CLAUSE_SCORER_H_

#include <cstdint>

#include "absl/status/status.h"

namespace loupe {

class ClauseScorer {
 public:
  virtual ~ClauseScorer() = default;
  virtual uint32_t docid() const = 0;
  virtual void Next() = 0;
  virtual void Advance(uint32_t target) = 0;
  virtual bool AdvanceExact(uint32_t target) = 0;
  virtual double Score() = 0;
  virtual double max_score() const = 0;
  virtual double BlockBound(uint32_t target, uint32_t* upto) = 0;
  // Most documents the clause can match (its lists' document
  // frequencies): intersections start from the cheapest clause.
  virtual uint64_t cost() const = 0;
  // The first storage or decoding error met, if any.
  virtual absl::Status status() const = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_CLAUSE_SCORER_H_
