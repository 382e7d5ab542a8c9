// TermGroupScorer: one term clause of a query (a word's forms, scored as
// one term, in the title and/or the body) walked document at a time, with
// upper bounds of its score for dynamic pruning.
//
// The score of a document is exactly QueryEvaluator's for the same clause:
// per field in kTextFields order, BM25 of the forms' summed tf with the
// group's idf, added to 0.0 in that order. Bounds come from the impact
// frontiers (posting_block.h): for the whole list (max_score) and for the
// blocks under a docid range (BlockBound). A bound is never below a score
// the scorer can return.
//
//   std::vector<TermGroupField> fields = ...;  // weight, idf, average, term keys
//   absl::StatusOr<std::unique_ptr<TermGroupScorer>> scorer =
//       TermGroupScorer::Open(postings, snapshot, scoring, fields);
//   for ((*scorer)->Advance(0); (*scorer)->docid() != kEndDocid; (*scorer)->Next()) {
//     double score = (*scorer)->Score();
//   }
#ifndef LOUPE_SERVICES_INDEX_TERM_GROUP_SCORER_H_
#define LOUPE_SERVICES_INDEX_TERM_GROUP_SCORER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/index/bm25.h"
#include "services/index/block_tracker.h"
#include "services/index/clause_scorer.h"
#include "services/index/posting_cursor.h"
#include "services/index/posting_store.h"
#include "services/index/scoring_context.h"
#include "services/index/search_term_records.h"

namespace loupe {

// One field of a term group, resolved against the request's statistics.
struct TermGroupField {
  v1::Field field = v1::FIELD_BODY;
  FieldBm25 bm25;
  // PostingStore::TermKey of each form.
  std::vector<std::string> term_keys;
};

// Highest BM25 of `tf` summed over forms at one field length, over every
// document the frontiers describe (one frontier per form), with slack for
// rounding. 0 when every frontier is empty.
double GroupScoreBound(absl::Span<const absl::Span<const Impact>> frontiers, double k1,
                       double b, const FieldBm25& bm25);

// The frontiers of one group's forms in one field (most groups have one or
// two forms).
using ImpactFrontiers = absl::InlinedVector<absl::Span<const Impact>, 4>;

class TermGroupScorer : public ClauseScorer {
 public:
  // `fields` in kTextFields order; forms absent from the shard are dropped.
  // Term records found in `read_before` (nullable) are not read again.
  static absl::StatusOr<std::unique_ptr<TermGroupScorer>> Open(
      const PostingStore& postings, const rocksdb::Snapshot* snapshot,
      const ScoringContext& scoring, std::vector<TermGroupField> fields,
      const SearchTermRecords* read_before = nullptr);

  // ClauseScorer (see clause_scorer.h).
  uint32_t docid() const override { return docid_; }
  void Next() override;
  void Advance(uint32_t target) override;
  bool AdvanceExact(uint32_t target) override {
    Advance(target);
    return docid_ == target;
  }
  double Score() override;
  double max_score() const override { return max_score_; }
  double BlockBound(uint32_t target, uint32_t* upto) override;
  uint64_t cost() const override;
  absl::Status status() const override;

  // The cursor of `term_key` in `field`; nullptr when the group has none
  // (not a form of it, or no list in the shard). When docid() is d, each
  // of the group's cursors that is positioned() is either at d (its form
  // has d) or past it (its form has not).
  PostingCursor* CursorFor(v1::Field field, absl::string_view term_key) const;

 private:
  struct FieldCursors {
    TermGroupField spec;
    std::vector<std::unique_ptr<PostingCursor>> cursors;
    std::vector<std::string> cursor_keys;  // the term key of each cursor
    size_t end = 0;  // cursors_[previous field's end, end) are this field's
  };
  TermGroupScorer(const ScoringContext& scoring) : k1_(scoring.k1), b_(scoring.b) {}

  double k1_;
  double b_;
  std::vector<FieldCursors> fields_;
  // Every field's cursors in one array, in field order: the per-posting
  // walk (Next, Advance, Score) reads them without the fields' nesting.
  std::vector<PostingCursor*> cursors_;
  uint32_t docid_ = kEndDocid;
  bool started_ = false;
  double max_score_ = 0;
  // BlockBound's last answer and the blocks it was computed on.
  BlockTracker blocks_;
  double block_bound_ = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_TERM_GROUP_SCORER_H_
