// PrunedTopK: the top hits of a plain keyword query, document at a time,
// without scoring every posting.
//
// Applies when the plan's root is one boolean of term and phrase clauses
// (MUST, SHOULD, MUST_NOT), every scored form has its statistics, and hits
// are ranked by score; otherwise it returns std::nullopt and the caller
// uses the exhaustive QueryEvaluator. Scores are bit-identical to the
// evaluator's (same additions in the same order, term_group_scorer.h and
// phrase_scorer.h), so sharding and the choice of path never change a
// ranking.
//
// With MUST clauses, the required lists are intersected, cheapest first,
// and every match is scored (the count is exact). With SHOULD clauses
// only, block-max MaxScore partitioned per window: the docids are walked in
// windows over which every list stays in one block; in a window the lists
// are ordered by their block bounds, those whose bounds add up to less than
// the score a hit needs to enter the collector are non-essential there (a
// document only they contain cannot enter), so candidates come from the
// others, and a window with no essential list is skipped whole. A candidate
// is dropped as soon as its partial score plus the bounds of the lists
// left falls below the entry score; the lists left are only looked up
// (ClauseScorer::AdvanceExact). A SHOULD phrase that matches only where a
// SHOULD term clause does (PhraseWithinTerm: the proximity phrases) rides
// with the rarest such term: it adds its bound to the term's, never yields
// candidates, and is looked up last, only where its term matched; its
// bound is a fixed ratio of the term's bound, or of the term's exact score
// at the candidate (the ratio of their BM25 factors). Pruning
// starts once `total_hits_threshold` matches have been counted; from then
// on the count is a lower bound. Cursors open from the records in
// `read_before` (nullable) when it holds their term, without reading it again.
//
//   HitCollector collector(...);
//   absl::StatusOr<std::optional<PrunedCount>> count =
//       PrunedTopK(postings, snapshot, scoring, root, /*total_hits_threshold=*/1000, &collector);
//   if (count.ok() && !count->has_value()) { /* not applicable: evaluate exhaustively */ }
#ifndef LOUPE_SERVICES_INDEX_TOP_K_SEARCH_H_
#define LOUPE_SERVICES_INDEX_TOP_K_SEARCH_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/index/hit_collector.h"
#include "services/index/posting_store.h"
#include "services/index/scoring_context.h"
#include "services/index/search_term_records.h"

namespace loupe {

struct PrunedCount {
  uint64_t total_hits = 0;
  // Some documents were skipped without being counted.
  bool lower_bound = false;
};

absl::StatusOr<std::optional<PrunedCount>> PrunedTopK(
    const PostingStore& postings, const rocksdb::Snapshot* snapshot, const ScoringContext& scoring,
    const v1::QueryNode& root, uint64_t total_hits_threshold, HitCollector* collector,
    const SearchTermRecords* read_before = nullptr);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_TOP_K_SEARCH_H_
