// PhraseScorer: a phrase clause ("words at their offsets", consecutive
// positions of one field) walked document at a time, as a ClauseScorer
// (clause_scorer.h).
//
// Per field, the words' lists are intersected (a word is the union of its
// forms' lists), then positions decide: the phrase frequency is the number
// of positions p of the first word such that every word i is at p +
// offsets[i]. The score is QueryEvaluator's: per field in kTextFields
// order, BM25 of the phrase frequency with the sum of the words' idfs and
// the field length, added to 0.0 in that order.
// Bounds: the phrase frequency never exceeds any word's summed tf in the
// document (each match uses one position of every word), so the tightest
// word's impact bound, computed with the phrase's idf, bounds the field.
//
//   std::vector<PhraseField> fields = ...;  // weight, idf sum, average, word forms
//   absl::StatusOr<std::unique_ptr<PhraseScorer>> scorer =
//       PhraseScorer::Open(postings, snapshot, scoring, fields, {0, 1});
#ifndef LOUPE_SERVICES_INDEX_PHRASE_SCORER_H_
#define LOUPE_SERVICES_INDEX_PHRASE_SCORER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/index/bm25.h"
#include "services/index/block_tracker.h"
#include "services/index/clause_scorer.h"
#include "services/index/posting_cursor.h"
#include "services/index/posting_store.h"
#include "services/index/scoring_context.h"
#include "services/index/search_term_records.h"
#include "services/index/term_group_scorer.h"

namespace loupe {

// One field of a phrase, resolved against the request's statistics.
struct PhraseField {
  v1::Field field = v1::FIELD_BODY;
  // Its idf is the sum of the words' idfs.
  FieldBm25 bm25;
  // Per word, the PostingStore::TermKey of each form (repeats included, as
  // the evaluator reads them).
  std::vector<std::vector<std::string>> words;
};

class PhraseScorer : public ClauseScorer {
 public:
  // `fields` in kTextFields order; `offsets` one per word, from 0,
  // ascending. A field where a word has no list in the shard is dropped.
  // Term records found in `read_before` (nullable) are not read again.
  static absl::StatusOr<std::unique_ptr<PhraseScorer>> Open(
      const PostingStore& postings, const rocksdb::Snapshot* snapshot,
      const ScoringContext& scoring, std::vector<PhraseField> fields,
      std::vector<uint32_t> offsets, const SearchTermRecords* read_before = nullptr);

  uint32_t docid() const override { return docid_; }
  void Next() override;
  void Advance(uint32_t target) override;
  bool AdvanceExact(uint32_t target) override;
  double Score() override;
  double max_score() const override { return max_score_; }
  double BlockBound(uint32_t target, uint32_t* upto) override;
  uint64_t cost() const override;
  absl::Status status() const override;

  // Lets the word at `word` (its index in the phrase) read `owner`'s
  // cursors instead of moving its own, at an AdvanceExact target where
  // `owner` is: `owner` is a term clause of the same search with every
  // form of the word, so it walks the same lists (TermGroupScorer::
  // CursorFor). A field where `owner` lacks one of the word's lists keeps
  // its own cursors. `owner` must outlive the scorer.
  void ShareWord(size_t word, const TermGroupScorer* owner);

 private:
  struct Word {
    std::vector<std::unique_ptr<PostingCursor>> forms;
    std::vector<std::string> keys;     // each form's term key
    std::vector<PostingCursor*> own;   // forms, unowned
    // The first word repeats a form: its matches count once per repeat.
    bool repeated_forms = false;
    // ShareWord's owner and its cursor of each form; use_shared when the
    // last lookup read them (Frequency reads those then).
    const TermGroupScorer* owner = nullptr;
    std::vector<PostingCursor*> shared;
    bool use_shared = false;
  };
  struct FieldMatch {
    PhraseField spec;
    std::vector<Word> words;
    // The field's current match (kEndDocid: none left), its phrase
    // frequency and field length. After AdvanceExact the match is known
    // only at its target: `positioned` is false when there was none.
    bool positioned = false;
    uint32_t docid = kEndDocid;
    uint32_t frequency = 0;
    uint32_t length = 0;
  };

  PhraseScorer(const ScoringContext& scoring, std::vector<uint32_t> offsets)
      : k1_(scoring.k1), b_(scoring.b), offsets_(std::move(offsets)) {}
  // Moves `field` to its first match at or after `target`.
  void Seek(FieldMatch* field, uint32_t target);
  // Phrase frequency of `field` at `docid`, where every word is present.
  uint32_t Frequency(FieldMatch* field, uint32_t docid);
  // Whether `word`'s owner's cursors tell which of its forms are at
  // `target`: the owner is there and each of them is on a posting.
  static bool CanShare(const Word& word, uint32_t target);
  // Bound of one field's score from each word's current impacts.
  double FieldBound(const FieldMatch& field, bool whole_list) const;
  void UpdateDocid();

  double k1_;
  double b_;
  std::vector<uint32_t> offsets_;
  std::vector<FieldMatch> fields_;
  uint32_t docid_ = kEndDocid;
  bool started_ = false;
  double max_score_ = 0;
  absl::Status status_;
  // Per word of the field being matched: its positions at the document,
  // either a cursor's own (one form there) or merged into merged_[w].
  std::vector<absl::Span<const uint32_t>> positions_;
  std::vector<std::vector<uint32_t>> merged_;
  // Per word, the first of its positions not yet passed by Frequency.
  std::vector<size_t> next_position_;
  // BlockBound's last answer and the blocks it was computed on.
  BlockTracker blocks_;
  double block_bound_ = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_PHRASE_SCORER_H_
