#include "services/index/phrase_scorer.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "services/index/bm25.h"
#include "services/index/term_group_scorer.h"

namespace loupe {
namespace {

uint32_t WordDocid(const std::vector<std::unique_ptr<PostingCursor>>& forms) {
  uint32_t docid = kEndDocid;
  for (const auto& cursor : forms) docid = std::min(docid, cursor->docid());
  return docid;
}

// How many of `firsts` (ascending; a repeated one counts each time) are
// followed, `offset` positions later, by one of `seconds` (ascending): a
// two-word phrase's frequency, as every proximity phrase has two words. One
// merge without branches on the positions' order, which a long document's
// dozens of positions per word make unpredictable.
uint32_t CountPairs(absl::Span<const uint32_t> firsts, absl::Span<const uint32_t> seconds,
                    uint32_t offset) {
  uint32_t frequency = 0;
  size_t i = 0;
  size_t j = 0;
  while (i < firsts.size() && j < seconds.size()) {
    const uint32_t wanted = firsts[i] + offset;
    const uint32_t second = seconds[j];
    frequency += wanted == second;
    i += wanted <= second;  // this start is settled
    j += second < wanted;   // a later start may still want `second`
  }
  return frequency;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PhraseScorer>> PhraseScorer::Open(
    const PostingStore& postings, const rocksdb::Snapshot* snapshot,
    const ScoringContext& scoring, std::vector<PhraseField> fields,
    std::vector<uint32_t> offsets, const SearchTermRecords* read_before) {
  std::unique_ptr<PhraseScorer> scorer(new PhraseScorer(scoring, std::move(offsets)));
  for (PhraseField& spec : fields) {
    FieldMatch field;
    bool complete = true;
    for (size_t w = 0; w < spec.words.size() && complete; ++w) {
      Word word;
      const std::vector<std::string>& keys = spec.words[w];
      for (size_t k = 0; k < keys.size(); ++k) {
        word.repeated_forms |= std::find(keys.begin(), keys.begin() + k, keys[k]) !=
                               keys.begin() + k;
        absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
            PostingCursor::Open(postings, snapshot, keys[k], read_before);
        if (!cursor.ok()) return cursor.status();
        if ((*cursor)->document_frequency() == 0) continue;
        word.own.push_back(cursor->get());
        word.forms.push_back(*std::move(cursor));
        word.keys.push_back(keys[k]);
      }
      complete = !word.forms.empty();
      field.words.push_back(std::move(word));
    }
    if (!complete || field.words.empty()) continue;
    field.spec = std::move(spec);
    scorer->fields_.push_back(std::move(field));
  }
  for (const FieldMatch& field : scorer->fields_) {
    scorer->max_score_ += scorer->FieldBound(field, /*whole_list=*/true);
  }
  return scorer;
}

double PhraseScorer::FieldBound(const FieldMatch& field, bool whole_list) const {
  // Any word's bound holds, unless the first word repeats a form (its
  // matches then count more than once): then only the first word's.
  double bound = std::numeric_limits<double>::infinity();
  ImpactFrontiers frontiers;
  const size_t words = field.words.front().repeated_forms ? 1 : field.words.size();
  for (size_t w = 0; w < words; ++w) {
    frontiers.clear();
    for (const auto& cursor : field.words[w].forms) {
      if (whole_list) {
        frontiers.push_back(cursor->impacts());
      } else if (cursor->has_block()) {
        frontiers.push_back(cursor->block_impacts());
      }
    }
    bound = std::min(bound, GroupScoreBound(frontiers, k1_, b_, field.spec.bm25));
  }
  return bound;
}

void PhraseScorer::ShareWord(size_t word, const TermGroupScorer* owner) {
  for (FieldMatch& field : fields_) {
    if (word >= field.words.size()) continue;
    Word& shared_word = field.words[word];
    std::vector<PostingCursor*> shared;
    for (const std::string& key : shared_word.keys) {
      PostingCursor* cursor = owner->CursorFor(field.spec.field, key);
      if (cursor == nullptr) break;
      shared.push_back(cursor);
    }
    if (shared.size() != shared_word.keys.size()) continue;
    for (size_t k = 0; k < shared.size(); ++k) shared_word.forms[k]->ShareDecodedBlocks(shared[k]);
    shared_word.owner = owner;
    shared_word.shared = std::move(shared);
  }
}

bool PhraseScorer::CanShare(const Word& word, uint32_t target) {
  if (word.owner == nullptr || word.owner->docid() != target) return false;
  return std::all_of(word.shared.begin(), word.shared.end(),
                     [](const PostingCursor* cursor) { return cursor->positioned(); });
}

uint32_t PhraseScorer::Frequency(FieldMatch* field, uint32_t docid) {
  const size_t n = field->words.size();
  positions_.resize(n);
  merged_.resize(n);
  for (size_t w = 0; w < n; ++w) {
    // Usually one form of the word is at the document: its positions are
    // used in place; several forms are merged and sorted.
    size_t forms_here = 0;
    const Word& word = field->words[w];
    for (PostingCursor* cursor : word.use_shared ? word.shared : word.own) {
      if (cursor->docid() != docid) continue;
      const absl::Span<const uint32_t> positions = cursor->PositionSpan();
      if (!cursor->status().ok()) {
        if (status_.ok()) status_ = cursor->status();
        return 0;
      }
      if (w == 0 && forms_here == 0) field->length = cursor->field_length();
      if (forms_here == 0) {
        positions_[w] = positions;
      } else {
        std::vector<uint32_t>& merged = merged_[w];
        if (forms_here == 1) merged.assign(positions_[w].begin(), positions_[w].end());
        merged.insert(merged.end(), positions.begin(), positions.end());
      }
      ++forms_here;
    }
    if (forms_here == 0) positions_[w] = {};
    if (forms_here > 1) {
      std::sort(merged_[w].begin(), merged_[w].end());
      positions_[w] = merged_[w];
    }
  }
  if (n == 2) return CountPairs(positions_[0], positions_[1], offsets_[1]);
  // The starts ascend, so each word's search goes on from where the last
  // one stopped: one pass over each word's positions.
  next_position_.assign(n, 0);
  uint32_t frequency = 0;
  for (uint32_t start : positions_[0]) {
    bool match = true;
    for (size_t w = 1; w < n && match; ++w) {
      const absl::Span<const uint32_t> positions = positions_[w];
      const uint32_t wanted = start + offsets_[w];
      size_t& next = next_position_[w];
      while (next < positions.size() && positions[next] < wanted) ++next;
      if (next == positions.size()) return frequency;  // no later start matches either
      match = positions[next] == wanted;
    }
    if (match) ++frequency;
  }
  return frequency;
}

void PhraseScorer::Seek(FieldMatch* field, uint32_t target) {
  for (Word& word : field->words) word.use_shared = false;
  uint32_t candidate = target;
  while (status_.ok()) {
    // Leapfrog until every word is on the same document.
    bool agree = false;
    while (!agree) {
      agree = true;
      for (Word& word : field->words) {
        for (auto& cursor : word.forms) cursor->Advance(candidate);
        const uint32_t docid = WordDocid(word.forms);
        if (docid == kEndDocid) {
          field->positioned = true;
          field->docid = kEndDocid;
          return;
        }
        if (docid != candidate) {
          candidate = docid;
          agree = false;
        }
      }
    }
    const uint32_t frequency = Frequency(field, candidate);
    if (frequency > 0) {
      field->positioned = true;
      field->docid = candidate;
      field->frequency = frequency;
      return;
    }
    if (candidate == kEndDocid - 1) break;
    ++candidate;
  }
  field->positioned = true;
  field->docid = kEndDocid;
}

void PhraseScorer::UpdateDocid() {
  docid_ = kEndDocid;
  for (const FieldMatch& field : fields_) docid_ = std::min(docid_, field.docid);
}

void PhraseScorer::Advance(uint32_t target) {
  for (FieldMatch& field : fields_) {
    if (!started_ || !field.positioned || field.docid < target) Seek(&field, target);
  }
  started_ = true;
  UpdateDocid();
}

bool PhraseScorer::AdvanceExact(uint32_t target) {
  started_ = true;
  bool any = false;
  for (FieldMatch& field : fields_) {
    if (field.positioned && field.docid >= target) {
      any |= field.docid == target;
      continue;
    }
    // Every word at `target`, then the positions; nothing past it. A word
    // whose owner is at `target` reads the owner's cursors.
    bool all_words = true;
    for (Word& word : field.words) {
      word.use_shared = CanShare(word, target);
      if (word.use_shared) {
        all_words = std::any_of(word.shared.begin(), word.shared.end(),
                                [&](const PostingCursor* cursor) {
                                  return cursor->docid() == target;
                                });
      } else {
        for (auto& cursor : word.forms) cursor->Advance(target);
        all_words = WordDocid(word.forms) == target;
      }
      if (!all_words) break;
    }
    const uint32_t frequency = all_words ? Frequency(&field, target) : 0;
    field.positioned = frequency > 0;
    field.docid = target;
    field.frequency = frequency;
    any |= frequency > 0;
  }
  docid_ = any ? target : kEndDocid;
  return any;
}

void PhraseScorer::Next() {
  if (!started_) {
    Advance(0);
    return;
  }
  if (docid_ == kEndDocid) return;
  const uint32_t current = docid_;
  for (FieldMatch& field : fields_) {
    if (!field.positioned || field.docid == current) Seek(&field, current + 1);
  }
  UpdateDocid();
}

double PhraseScorer::Score() {
  double score = 0.0;
  for (const FieldMatch& field : fields_) {
    if (!field.positioned || field.docid != docid_) continue;
    score += field.spec.bm25.Score(k1_, b_, field.frequency, field.length);
  }
  return score;
}

double PhraseScorer::BlockBound(uint32_t target, uint32_t* upto) {
  const bool changed = blocks_.Advance(target, [&](auto visit) {
    for (FieldMatch& field : fields_) {
      for (Word& word : field.words) {
        for (auto& cursor : word.forms) visit(*cursor);
      }
    }
  }, upto);
  if (!changed) return block_bound_;
  double bound = 0;
  for (const FieldMatch& field : fields_) bound += FieldBound(field, /*whole_list=*/false);
  block_bound_ = bound;
  return bound;
}

uint64_t PhraseScorer::cost() const {
  // Per field, the rarest word bounds the matches.
  uint64_t cost = 0;
  for (const FieldMatch& field : fields_) {
    uint64_t rarest = UINT64_MAX;
    for (const Word& word : field.words) {
      uint64_t word_cost = 0;
      for (const auto& cursor : word.forms) word_cost += cursor->document_frequency();
      rarest = std::min(rarest, word_cost);
    }
    cost += rarest;
  }
  return cost;
}

absl::Status PhraseScorer::status() const {
  if (!status_.ok()) return status_;
  for (const FieldMatch& field : fields_) {
    for (const Word& word : field.words) {
      for (const auto& cursor : word.forms) {
        if (!cursor->status().ok()) return cursor->status();
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace loupe
