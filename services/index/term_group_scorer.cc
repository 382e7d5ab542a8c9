#include "services/index/term_group_scorer.h"

#include <algorithm>
#include <utility>

#include "services/index/bm25.h"

namespace loupe {
namespace {

// Relative slack on bounds: BM25 computed in floating point is not exactly
// monotone in tf and length, so a bound must not sit exactly on a score.
constexpr double kBoundSlack = 1.0 + 1e-9;

}  // namespace

double GroupScoreBound(absl::Span<const absl::Span<const Impact>> frontiers, double k1,
                       double b, const FieldBm25& bm25) {
  // A document of length L has, in each form, a tf at most that of the
  // form's frontier point with the largest tf among those of length <= L.
  // Its score is then at most S(sum of those tfs, L); the sum only steps at
  // frontier lengths, between which S falls, so the lengths of the frontier
  // points are the only candidates.
  double best = 0;
  for (absl::Span<const Impact> candidates : frontiers) {
    for (const Impact& candidate : candidates) {
      const uint32_t length = candidate.field_length;
      uint64_t tf = 0;
      for (absl::Span<const Impact> frontier : frontiers) {
        uint32_t form_tf = 0;
        for (const Impact& point : frontier) {
          if (point.field_length <= length) form_tf = std::max(form_tf, point.tf);
        }
        tf += form_tf;
      }
      if (tf == 0) continue;
      const auto capped = static_cast<uint32_t>(std::min<uint64_t>(tf, UINT32_MAX));
      best = std::max(best, bm25.Score(k1, b, capped, length));
    }
  }
  return best * kBoundSlack;
}

absl::StatusOr<std::unique_ptr<TermGroupScorer>> TermGroupScorer::Open(
    const PostingStore& postings, const rocksdb::Snapshot* snapshot,
    const ScoringContext& scoring, std::vector<TermGroupField> fields,
    const SearchTermRecords* read_before) {
  std::unique_ptr<TermGroupScorer> scorer(new TermGroupScorer(scoring));
  size_t forms = 0;
  for (const TermGroupField& spec : fields) forms += spec.term_keys.size();
  scorer->cursors_.reserve(forms);
  for (TermGroupField& spec : fields) {
    FieldCursors field;
    ImpactFrontiers frontiers;
    for (const std::string& key : spec.term_keys) {
      absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
          PostingCursor::Open(postings, snapshot, key, read_before);
      if (!cursor.ok()) return cursor.status();
      if ((*cursor)->document_frequency() == 0) continue;
      field.cursors.push_back(*std::move(cursor));
      field.cursor_keys.push_back(key);
      frontiers.push_back(field.cursors.back()->impacts());
    }
    if (field.cursors.empty()) continue;
    scorer->max_score_ += GroupScoreBound(frontiers, scorer->k1_, scorer->b_, spec.bm25);
    for (const auto& cursor : field.cursors) scorer->cursors_.push_back(cursor.get());
    field.end = scorer->cursors_.size();
    field.spec = std::move(spec);
    scorer->fields_.push_back(std::move(field));
  }
  return scorer;
}

PostingCursor* TermGroupScorer::CursorFor(v1::Field field, absl::string_view term_key) const {
  for (const FieldCursors& cursors : fields_) {
    if (cursors.spec.field != field) continue;
    for (size_t i = 0; i < cursors.cursors.size(); ++i) {
      if (cursors.cursor_keys[i] == term_key) return cursors.cursors[i].get();
    }
  }
  return nullptr;
}

void TermGroupScorer::Next() {
  if (!started_) {
    Advance(0);
    return;
  }
  if (docid_ == kEndDocid) return;
  const uint32_t current = docid_;
  uint32_t next = kEndDocid;
  for (PostingCursor* cursor : cursors_) {
    if (cursor->docid() == current) cursor->Next();
    next = std::min(next, cursor->docid());
  }
  docid_ = next;
}

void TermGroupScorer::Advance(uint32_t target) {
  started_ = true;
  uint32_t next = kEndDocid;
  for (PostingCursor* cursor : cursors_) {
    cursor->Advance(target);
    next = std::min(next, cursor->docid());
  }
  docid_ = next;
}

double TermGroupScorer::Score() {
  double score = 0.0;
  size_t begin = 0;
  for (const FieldCursors& field : fields_) {
    uint32_t tf = 0;
    uint32_t length = 0;
    for (size_t i = begin; i < field.end; ++i) {
      PostingCursor* cursor = cursors_[i];
      if (cursor->docid() != docid_) continue;
      tf += cursor->tf();
      length = cursor->field_length();
    }
    begin = field.end;
    if (tf == 0) continue;
    score += field.spec.bm25.Score(k1_, b_, tf, length);
  }
  return score;
}

double TermGroupScorer::BlockBound(uint32_t target, uint32_t* upto) {
  const bool changed = blocks_.Advance(target, [&](auto visit) {
    for (FieldCursors& field : fields_) {
      for (auto& cursor : field.cursors) visit(*cursor);
    }
  }, upto);
  if (!changed) return block_bound_;
  double bound = 0;
  ImpactFrontiers frontiers;
  for (FieldCursors& field : fields_) {
    frontiers.clear();
    for (auto& cursor : field.cursors) {
      if (cursor->has_block()) frontiers.push_back(cursor->block_impacts());
    }
    if (frontiers.empty()) continue;
    bound += GroupScoreBound(frontiers, k1_, b_, field.spec.bm25);
  }
  block_bound_ = bound;
  return bound;
}

uint64_t TermGroupScorer::cost() const {
  uint64_t cost = 0;
  for (const FieldCursors& field : fields_) {
    for (const auto& cursor : field.cursors) cost += cursor->document_frequency();
  }
  return cost;
}

absl::Status TermGroupScorer::status() const {
  for (const FieldCursors& field : fields_) {
    for (const auto& cursor : field.cursors) {
      if (!cursor->status().ok()) return cursor->status();
    }
  }
  return absl::OkStatus();
}

}  // namespace loupe
