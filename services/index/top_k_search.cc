#include "services/index/top_k_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "services/common/status_util.h"
#include "services/index/bm25.h"
#include "services/index/index_schema.h"
#include "services/index/term_clause.h"
#include "services/index/phrase_scorer.h"
#include "services/index/term_group_scorer.h"

namespace loupe {
namespace {

// `bound` < `entry` with a margin: partial sums are added in another order
// than the exact score, so a bound must clear the entry score by more than
// rounding before a document is dropped.
bool Below(double bound, double entry) { return bound < entry - std::abs(entry) * 1e-12; }

// One clause of the root boolean, opened.
struct OpenClause {
  v1::Occur occur = v1::OCCUR_SHOULD;
  std::unique_ptr<ClauseScorer> scorer;
  // For a SHOULD phrase: the SHOULD term clause that matches wherever it
  // does (PhraseWithinTerm), if any.
  std::optional<size_t> cover;
  // Per field searched, the factor of BM25's tf part in the clause's score
  // there (boost x field weight x idf).
  std::vector<std::pair<v1::Field, double>> field_scales;
  // For a covered phrase: its score never exceeds cover_ratio times its
  // cover's score at the same document (infinity when that is not known).
  double cover_ratio = std::numeric_limits<double>::infinity();
};

// Relative slack on bounds derived by ratios (rounding).
constexpr double kRatioSlack = 1.0 + 1e-9;

// Largest ratio, over the phrase's fields, of its BM25 factor to the term's
// in the same field: in a field, both scores are that factor times the
// same increasing function of a frequency and the field length, and the
// phrase's frequency never exceeds its covered word's tf, which never
// exceeds the term's (the term has the word's forms). Infinity when a
// field of the phrase has no factor in the term, or a word repeats a form
// (the phrase then counts a position more than once).
double CoverRatio(const v1::PhraseClause& phrase, const OpenClause& phrase_clause,
                  const OpenClause& term_clause) {
  constexpr double kUnknown = std::numeric_limits<double>::infinity();
  for (const v1::TermClause& word : phrase.words()) {
    const std::vector<const std::string*> forms = PhraseWordForms(word);
    for (size_t a = 0; a < forms.size(); ++a) {
      for (size_t b = 0; b < a; ++b) {
        if (*forms[a] == *forms[b]) return kUnknown;
      }
    }
  }
  double ratio = 0;
  for (const auto& [field, phrase_scale] : phrase_clause.field_scales) {
    double term_scale = 0;
    for (const auto& [term_field, scale] : term_clause.field_scales) {
      if (term_field == field) term_scale = scale;
    }
    if (!(term_scale > 0)) return kUnknown;
    ratio = std::max(ratio, phrase_scale / term_scale);
  }
  return ratio * kRatioSlack;
}

// A clause's BM25 factors in `field`, given its boost and idf there; false
// when the field's average length is missing.
bool ResolveFieldBm25(const ScoringContext& scoring, v1::Field field, float boost, double idf,
                      FieldBm25* bm25) {
  if (!AverageFieldLength(scoring, field, &bm25->average_length)) return false;
  bm25->idf = idf;
  bm25->weight = BoostOrOne(boost) * FieldWeight(scoring, field);
  return true;
}

// The statistics say no shard holds `term_key` (its list need not be
// opened). Only statistics the request carries count.
bool AbsentFromEveryShard(const ScoringContext& scoring, const std::string& term_key) {
  auto it = scoring.global_df.find(term_key);
  return it != scoring.global_df.end() && it->second == 0;
}

// The clause's fields with their statistics; false when one is missing
// (the evaluator then reports it).
bool ResolveFields(const ScoringContext& scoring, const v1::TermClause& term, bool scored,
                   std::vector<TermGroupField>* fields) {
  const std::vector<const std::string*> forms = DistinctForms(term);
  for (v1::Field field : kTextFields) {
    if (!InScope(term.field(), field)) continue;
    TermGroupField resolved;
    resolved.field = field;
    if (scored) {
      uint64_t df = 0;
      if (!GroupDocumentFrequency(scoring, forms, field, &df, [](const std::string&) {}) ||
          !ResolveFieldBm25(scoring, field, term.boost(), Bm25Idf(scoring.document_count, df),
                            &resolved.bm25)) {
        return false;
      }
    }
    for (const std::string* form : forms) {
      std::string key = PostingStore::TermKey(field, *form);
      if (scored && AbsentFromEveryShard(scoring, key)) continue;
      resolved.term_keys.push_back(std::move(key));
    }
    fields->push_back(std::move(resolved));
  }
  return true;
}

// The phrase's fields with their statistics; false when one is missing.
bool ResolvePhraseFields(const ScoringContext& scoring, const v1::PhraseClause& phrase,
                         bool scored, std::vector<PhraseField>* fields) {
  for (v1::Field field : kTextFields) {
    if (!InScope(phrase.field(), field)) continue;
    PhraseField resolved;
    resolved.field = field;
    if (scored) {
      double idf_sum = 0;
      for (const v1::TermClause& word : phrase.words()) {
        uint64_t df = 0;
        if (!GroupDocumentFrequency(scoring, PhraseWordForms(word), field, &df,
                                    [](const std::string&) {})) {
          return false;
        }
        idf_sum += Bm25Idf(scoring.document_count, df);
      }
      if (!ResolveFieldBm25(scoring, field, phrase.boost(), idf_sum, &resolved.bm25)) return false;
    }
    for (const v1::TermClause& word : phrase.words()) {
      std::vector<std::string>& keys = resolved.words.emplace_back();
      for (const std::string* form : PhraseWordForms(word)) {
        std::string key = PostingStore::TermKey(field, *form);
        if (scored && AbsentFromEveryShard(scoring, key)) continue;
        keys.push_back(std::move(key));
      }
    }
    fields->push_back(std::move(resolved));
  }
  return true;
}

// Opens the scorer of a term or phrase clause; std::nullopt when its
// statistics are incomplete.
absl::StatusOr<std::optional<std::unique_ptr<ClauseScorer>>> OpenScorer(
    const PostingStore& postings, const rocksdb::Snapshot* snapshot,
    const ScoringContext& scoring, const SearchTermRecords* read_before,
    const v1::BooleanClause& clause, std::vector<std::pair<v1::Field, double>>* field_scales) {
  const bool scored = clause.occur() != v1::OCCUR_MUST_NOT;
  if (clause.node().has_term()) {
    std::vector<TermGroupField> fields;
    if (!ResolveFields(scoring, clause.node().term(), scored, &fields)) return std::nullopt;
    for (const TermGroupField& field : fields) {
      field_scales->emplace_back(field.field, field.bm25.weight * field.bm25.idf);
    }
    absl::StatusOr<std::unique_ptr<TermGroupScorer>> scorer =
        TermGroupScorer::Open(postings, snapshot, scoring, std::move(fields), read_before);
    if (!scorer.ok()) return scorer.status();
    return std::optional<std::unique_ptr<ClauseScorer>>(*std::move(scorer));
  }
  const v1::PhraseClause& phrase = clause.node().phrase();
  std::vector<PhraseField> fields;
  if (!ResolvePhraseFields(scoring, phrase, scored, &fields)) return std::nullopt;
  for (const PhraseField& field : fields) {
    field_scales->emplace_back(field.field, field.bm25.weight * field.bm25.idf);
  }
  absl::StatusOr<std::unique_ptr<PhraseScorer>> scorer = PhraseScorer::Open(
      postings, snapshot, scoring, std::move(fields),
      std::vector<uint32_t>(phrase.offsets().begin(), phrase.offsets().end()), read_before);
  if (!scorer.ok()) return scorer.status();
  return std::optional<std::unique_ptr<ClauseScorer>>(*std::move(scorer));
}

// Lets each word of the covered phrase at `phrase_index` read the cursors
// of a SHOULD term clause with all its forms, in the phrase's fields,
// where that clause is on the document looked up (PhraseScorer::ShareWord).
void ShareWordCursors(const v1::BooleanQuery& boolean, int phrase_index,
                      const std::vector<OpenClause>& clauses) {
  const v1::PhraseClause& phrase = boolean.clauses(phrase_index).node().phrase();
  auto* scorer = static_cast<PhraseScorer*>(clauses[phrase_index].scorer.get());
  for (int w = 0; w < phrase.words_size(); ++w) {
    for (int j = 0; j < boolean.clauses_size(); ++j) {
      const v1::BooleanClause& term = boolean.clauses(j);
      if (term.occur() != v1::OCCUR_SHOULD || !term.node().has_term() ||
          !InScope(term.node().term().field(), phrase.field()) ||
          !WordWithinTerm(phrase.words(w), term.node().term())) {
        continue;
      }
      scorer->ShareWord(static_cast<size_t>(w),
                        static_cast<const TermGroupScorer*>(clauses[j].scorer.get()));
      break;
    }
  }
}

// A document matched by one of the MUST_NOT clauses `excluding` is not a
// match.
bool Excluded(const std::vector<OpenClause>& clauses, const std::vector<size_t>& excluding,
              uint32_t docid) {
  for (size_t i : excluding) {
    if (clauses[i].scorer->AdvanceExact(docid)) return true;
  }
  return false;
}

class TopKRun {
 public:
  TopKRun(std::vector<OpenClause> clauses, double boost, uint64_t threshold,
          HitCollector* collector)
      : clauses_(std::move(clauses)),
        boost_(boost),
        threshold_(threshold),
        collector_(collector),
        contributions_(clauses_.size(), 0.0),
        contributed_bits_((clauses_.size() + 63) / 64, 0),
        candidate_bound_(clauses_.size(), 0.0) {
    for (size_t i = 0; i < clauses_.size(); ++i) {
      if (clauses_[i].occur == v1::OCCUR_MUST_NOT) excluding_.push_back(i);
    }
  }

  absl::StatusOr<PrunedCount> Run() {
    bool has_must = false;
    for (const OpenClause& clause : clauses_) has_must |= clause.occur == v1::OCCUR_MUST;
    absl::Status status = has_must ? Conjunction() : Disjunction();
    if (!status.ok()) return status;
    for (const OpenClause& clause : clauses_) {
      if (!clause.scorer->status().ok()) return clause.scorer->status();
    }
    return count_;
  }

 private:
  // Forgets the last candidate's contributions (a word of bits per 64
  // clauses: one or two words for most queries).
  void Reset() { std::fill(contributed_bits_.begin(), contributed_bits_.end(), 0); }

  void Contribute(size_t i) { SetContribution(i, clauses_[i].scorer->Score()); }

  void SetContribution(size_t i, double score) {
    contributions_[i] = score;
    contributed_bits_[i / 64] |= uint64_t{1} << (i % 64);
  }

  // Sum of the candidate's contributions in clause order, times the
  // boolean's boost: the evaluator's arithmetic. The set bits give the
  // contributing clauses in order, without visiting the others or sorting.
  double ExactScore() {
    double score = 0;
    for (size_t word = 0; word < contributed_bits_.size(); ++word) {
      for (uint64_t bits = contributed_bits_[word]; bits != 0; bits &= bits - 1) {
        score += contributions_[word * 64 + static_cast<size_t>(__builtin_ctzll(bits))];
      }
    }
    return score * boost_;
  }

  // Every MUST clause matches; SHOULD clauses add what they have.
  absl::Status Conjunction() {
    std::vector<size_t> required;  // cheapest first
    for (size_t i = 0; i < clauses_.size(); ++i) {
      if (clauses_[i].occur == v1::OCCUR_MUST) required.push_back(i);
    }
    std::stable_sort(required.begin(), required.end(), [&](size_t a, size_t b) {
      return clauses_[a].scorer->cost() < clauses_[b].scorer->cost();
    });
    if (clauses_[required.front()].scorer->cost() == 0) return absl::OkStatus();
    uint32_t target = 0;
    while (true) {
      // Leapfrog: the cheapest list proposes a docid, the others check it
      // in order; one that overshoots sends the cheapest list ahead again,
      // so the costlier lists only ever move to docids every cheaper one
      // has (and decode fewer blocks).
      size_t agreed = 0;
      while (agreed < required.size()) {
        ClauseScorer& scorer = *clauses_[required[agreed]].scorer;
        scorer.Advance(target);
        if (scorer.docid() == kEndDocid) return absl::OkStatus();
        if (scorer.docid() == target) {
          ++agreed;
        } else {
          target = scorer.docid();
          agreed = agreed == 0 ? 1 : 0;
        }
      }
      const uint32_t docid = target;
      if (!Excluded(clauses_, excluding_, docid)) {
        Reset();
        for (size_t i = 0; i < clauses_.size(); ++i) {
          if (clauses_[i].occur == v1::OCCUR_MUST) {
            Contribute(i);
          } else if (clauses_[i].occur == v1::OCCUR_SHOULD) {
            if (clauses_[i].scorer->AdvanceExact(docid)) Contribute(i);
          }
        }
        ++count_.total_hits;
        LOUPE_RETURN_IF_ERROR(collector_->Offer(docid, ExactScore()));
      }
      if (docid == kEndDocid - 1) return absl::OkStatus();
      target = docid + 1;
    }
  }

  // The lowest score a new hit needs, or -infinity while counting exactly.
  double EntryScore() const {
    return count_.total_hits >= threshold_ ? collector_->EntryScore()
                                           : -std::numeric_limits<double>::infinity();
  }

  // A SHOULD clause that yields candidates (a term, or a phrase no term
  // covers) and the SHOULD phrases it covers: their matches are among its
  // own, so they are only looked up where it matches, never walked.
  struct Unit {
    size_t lead = 0;
    std::vector<size_t> covered;
  };

  std::vector<Unit> Units() const {
    std::vector<Unit> units;
    std::vector<size_t> unit_of(clauses_.size(), 0);
    for (size_t i = 0; i < clauses_.size(); ++i) {
      if (clauses_[i].occur != v1::OCCUR_SHOULD || clauses_[i].cover) continue;
      unit_of[i] = units.size();
      units.push_back(Unit{i, {}});
    }
    for (size_t i = 0; i < clauses_.size(); ++i) {
      if (clauses_[i].occur == v1::OCCUR_SHOULD && clauses_[i].cover) {
        units[unit_of[*clauses_[i].cover]].covered.push_back(i);
      }
    }
    return units;
  }

  // A covered phrase's bound where its cover's score or bound is
  // `cover_bound`, given its own bound `own`.
  double CoveredBound(size_t phrase, double own, double cover_bound) const {
    const double ratio = clauses_[phrase].cover_ratio;
    if (ratio == std::numeric_limits<double>::infinity()) return own;
    return std::min(own, ratio * cover_bound);
  }

  // The bounds of `unit`'s covered phrases at a candidate where its lead
  // scored `lead_score` (kept in candidate_bound_ for LookUpCovered); their
  // sum.
  double CandidateCoveredBounds(const Unit& unit, double lead_score,
                                const std::vector<double>& block) {
    double sum = 0;
    for (size_t i : unit.covered) {
      candidate_bound_[i] = CoveredBound(i, block[i], lead_score);
      sum += candidate_bound_[i];
    }
    return sum;
  }

  // Looks up the covered phrases of the matched units at `docid`, adding
  // their scores to `partial`; false (the candidate is dropped) as soon as
  // `partial` plus the bounds of the phrases left (`covered_left`) cannot
  // enter.
  bool LookUpCovered(const std::vector<const Unit*>& matched, uint32_t docid,
                     double covered_left, double entry, double* partial) {
    for (const Unit* unit : matched) {
      for (size_t i : unit->covered) {
        if (Below(*partial + covered_left, entry)) return false;
        covered_left -= candidate_bound_[i];
        if (!clauses_[i].scorer->AdvanceExact(docid)) continue;
        Contribute(i);
        *partial += contributions_[i] * boost_;
      }
    }
    return true;
  }

  // Block-max MaxScore over the SHOULD clauses, partitioned per window.
  //
  // The candidates come from units (Unit): a unit's bound is its lead's
  // plus its covered phrases'. A window is a docid range over which every
  // list stays in one block, so each list's block bound holds for the whole
  // window. In it, the units are ordered by bound; those whose bounds add
  // up to less than the entry score are non-essential there (a document
  // only they contain cannot enter), so candidates come from the others'
  // leads, and a window with no essential unit is skipped whole. A
  // candidate is dropped once its score so far plus the bounds of what is
  // left to look up cannot enter; a unit whose lead misses the candidate
  // is left out whole. While matches are still counted exactly (entry
  // -infinity) there is one window and every unit is essential. A window
  // with few essential leads is merged candidate by candidate
  // (MergeWindow); one with many is gathered list by list in stretches
  // (GatherWindow), as Lucene 9's MaxScoreBulkScorer does.
  absl::Status Disjunction() {
    units_ = Units();
    const size_t n = units_.size();
    if (n == 0) return absl::OkStatus();
    for (const Unit& unit : units_) clauses_[unit.lead].scorer->Advance(0);
    block_.assign(clauses_.size(), 0.0);
    std::vector<double> unit_bound(n, 0.0);  // per unit, lead and covered
    std::vector<size_t> order(n);            // units by ascending bound
    std::iota(order.begin(), order.end(), size_t{0});
    bound_below_.assign(n + 1, 0.0);
    unit_by_rank_.assign(n, nullptr);
    lead_by_rank_.assign(n, nullptr);
    docid_by_rank_.assign(n, kEndDocid);
    entry_ = EntryScore();
    uint32_t start = 0;
    while (start != kEndDocid) {
      // The window [start, end] and the units' bounds over it.
      window_ = Window{};
      window_.pruning = entry_ > -std::numeric_limits<double>::infinity();
      for (size_t i = 0; i < clauses_.size(); ++i) {
        if (clauses_[i].occur != v1::OCCUR_SHOULD) continue;
        if (window_.pruning && !clauses_[i].cover) {
          uint32_t block_end = kEndDocid;
          block_[i] = clauses_[i].scorer->BlockBound(start, &block_end) * boost_;
          window_.end = std::min(window_.end, block_end);
        } else {
          block_[i] = clauses_[i].scorer->max_score() * boost_;
        }
      }
      for (size_t u = 0; u < n; ++u) {
        unit_bound[u] = block_[units_[u].lead];
        for (size_t i : units_[u].covered) {
          block_[i] = CoveredBound(i, block_[i], block_[units_[u].lead]);
          unit_bound[u] += block_[i];
        }
      }
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return unit_bound[a] < unit_bound[b]; });
      for (size_t k = 0; k < n; ++k) {
        bound_below_[k + 1] = bound_below_[k] + unit_bound[order[k]];
        unit_by_rank_[k] = &units_[order[k]];
        lead_by_rank_[k] = clauses_[unit_by_rank_[k]->lead].scorer.get();
      }
      RaiseFirstEssential();
      if (window_.first_essential == n) {  // nothing in this window can enter
        start = window_.end == kEndDocid ? kEndDocid : window_.end + 1;
        continue;
      }
      // Block bounds and lookups leave a list's position undefined: the
      // window's candidate leads move to its start first.
      for (size_t k = window_.first_essential; k < n; ++k) lead_by_rank_[k]->Advance(start);
      absl::Status walked = n - window_.first_essential < kGatherFromLeads ? MergeWindow()
                                                                           : GatherWindow();
      if (!walked.ok()) return walked;
      start = window_.end == kEndDocid ? kEndDocid : window_.end + 1;
    }
    return absl::OkStatus();
  }

  // Moves the window's first essential rank up past the units whose bounds
  // add up to less than the entry score.
  void RaiseFirstEssential() {
    const size_t n = units_.size();
    while (window_.first_essential < n &&
           Below(bound_below_[window_.first_essential + 1], entry_)) {
      ++window_.first_essential;
      count_.lower_bound = true;
    }
    if (window_.first_essential == n) window_.done = true;
  }

  // The window's candidates one at a time: the smallest docid among the
  // essential leads, which score it and move past it. Cheapest with few
  // essential leads, and the partition narrows at once when the entry
  // score rises.
  absl::Status MergeWindow() {
    const size_t n = units_.size();
    for (size_t k = window_.first_essential; k < n; ++k) {
      docid_by_rank_[k] = lead_by_rank_[k]->docid();
    }
    while (!window_.done) {
      // The smallest docid and the ranks that have it, in one pass.
      const size_t first = window_.first_essential;
      uint32_t docid = kEndDocid;
      matched_ranks_.clear();
      for (size_t k = first; k < n; ++k) {
        const uint32_t lead_docid = docid_by_rank_[k];
        if (lead_docid > docid) continue;
        if (lead_docid < docid) {
          docid = lead_docid;
          matched_ranks_.clear();
        }
        matched_ranks_.push_back(k);
      }
      if (docid > window_.end || docid == kEndDocid) break;
      BeginCandidate();
      for (size_t k : matched_ranks_) AddLead(*unit_by_rank_[k], lead_by_rank_[k]->Score());
      // The leads move past the candidate only once it is finished: its
      // phrases read their words' positions from the leads' cursors.
      const absl::Status finished = FinishCandidate(docid, first, /*stretch_end=*/docid);
      for (size_t k : matched_ranks_) {
        lead_by_rank_[k]->Next();
        docid_by_rank_[k] = lead_by_rank_[k]->docid();
      }
      LOUPE_RETURN_IF_ERROR(finished);
    }
    return absl::OkStatus();
  }

  // The window in stretches of at most kStretch docids, each from the
  // first docid an essential lead has: the essential leads score their
  // documents in the stretch list by list (Gather), then the candidates are
  // taken in docid order. With many essential leads this costs less than
  // finding each candidate among them; the partition only narrows from one
  // stretch to the next.
  absl::Status GatherWindow() {
    const size_t n = units_.size();
    while (!window_.done) {
      uint32_t low = kEndDocid;
      for (size_t k = window_.first_essential; k < n; ++k) {
        low = std::min(low, lead_by_rank_[k]->docid());
      }
      if (low > window_.end || low == kEndDocid) break;
      const auto high = static_cast<uint32_t>(std::min<uint64_t>(
          {window_.end, uint64_t{low} + kStretch - 1, uint64_t{kEndDocid} - 1}));
      const size_t first = window_.first_essential;  // the stretch's partition
      const size_t ranks = n - first;
      const size_t words = (ranks + 63) / 64;
      Gather(first, low, high);
      for (size_t word = 0; word <= (high - low) / 64; ++word) {
        while (gathered_slots_[word] != 0) {
          uint64_t& slots = gathered_slots_[word];
          const size_t slot = word * 64 + static_cast<size_t>(__builtin_ctzll(slots));
          slots &= slots - 1;
          BeginCandidate();
          for (size_t group = 0; group < words; ++group) {
            uint64_t rank_bits = gathered_ranks_[slot * words + group];
            gathered_ranks_[slot * words + group] = 0;
            for (; rank_bits != 0; rank_bits &= rank_bits - 1) {
              const size_t r = group * 64 + static_cast<size_t>(__builtin_ctzll(rank_bits));
              AddLead(*unit_by_rank_[first + r], gathered_scores_[slot * ranks + r]);
            }
          }
          // The rest of the stretch is checked even when the window ends
          // early: the bits must be cleared, and its leads are past it.
          LOUPE_RETURN_IF_ERROR(FinishCandidate(low + static_cast<uint32_t>(slot), first, high));
        }
      }
    }
    return absl::OkStatus();
  }

  // Walks the leads ranked [first, n) over the docids [low, high], leaving
  // each past `high`. Marks each docid one of them has in gathered_slots_,
  // which ranks have it in gathered_ranks_ (a bit each, 64 per word) and
  // their scores in gathered_scores_, per slot (docid - low).
  void Gather(size_t first, uint32_t low, uint32_t high) {
    const size_t ranks = units_.size() - first;
    const size_t words = (ranks + 63) / 64;
    if (gathered_ranks_.size() < words * kStretch) gathered_ranks_.resize(words * kStretch, 0);
    if (gathered_scores_size_ < ranks * kStretch) {
      gathered_scores_size_ = ranks * kStretch;
      gathered_scores_.reset(new double[gathered_scores_size_]);  // written before read
    }
    for (size_t r = 0; r < ranks; ++r) {
      ClauseScorer& lead = *lead_by_rank_[first + r];
      const uint64_t rank_bit = uint64_t{1} << (r % 64);
      for (uint32_t docid = lead.docid(); docid <= high; lead.Next(), docid = lead.docid()) {
        const size_t slot = docid - low;
        gathered_slots_[slot / 64] |= uint64_t{1} << (slot % 64);
        gathered_ranks_[slot * words + r / 64] |= rank_bit;
        gathered_scores_[slot * ranks + r] = lead.Score();
      }
    }
  }

  // A new candidate, before its essential leads are added (AddLead).
  void BeginCandidate() {
    Reset();
    matched_.clear();
    partial_ = 0;
    covered_left_ = 0;
  }

  // `unit`'s lead has the candidate and scored `score` there.
  void AddLead(const Unit& unit, double score) {
    SetContribution(unit.lead, score);
    partial_ += score * boost_;
    matched_.push_back(&unit);
    covered_left_ += CandidateCoveredBounds(unit, score * boost_, block_);
  }

  // Completes the candidate `docid`, whose essential leads (ranks from
  // `first`) were added: looks up the non-essential leads from the highest
  // bound down, then the phrases (they cost the most and bound the least),
  // dropping it as soon as it cannot enter, and offers it. While hits are
  // counted exactly, every lead is essential and a candidate that cannot
  // enter the collector is still counted, only its phrases are not looked
  // up (a covered phrase never makes a match). A higher entry score narrows
  // the window's partition; when it is the first (pruning starts), the
  // window ends at `stretch_end` so that windows begin.
  absl::Status FinishCandidate(uint32_t docid, size_t first, uint32_t stretch_end) {
    for (size_t k = first; k-- > 0;) {
      if (Below(partial_ + bound_below_[k + 1] + covered_left_, entry_)) {
        count_.lower_bound = true;
        return absl::OkStatus();
      }
      const Unit& unit = *unit_by_rank_[k];
      if (!lead_by_rank_[k]->AdvanceExact(docid)) continue;
      AddLead(unit, lead_by_rank_[k]->Score());
    }
    const bool counting = entry_ == -std::numeric_limits<double>::infinity();
    const double needed = counting ? collector_->EntryScore() : entry_;
    const bool can_enter = LookUpCovered(matched_, docid, covered_left_, needed, &partial_);
    if (!can_enter && !counting) {
      count_.lower_bound = true;
      return absl::OkStatus();
    }
    if (Excluded(clauses_, excluding_, docid)) return absl::OkStatus();
    ++count_.total_hits;
    if (can_enter) {
      LOUPE_RETURN_IF_ERROR(
          collector_->Offer(docid, ExactScore()));
    }
    const double previous = entry_;
    entry_ = EntryScore();
    if (entry_ == previous) return absl::OkStatus();
    if (!window_.pruning) {
      window_.end = stretch_end;
      window_.done = true;
    }
    RaiseFirstEssential();
    return absl::OkStatus();
  }

  // Windows with at least this many essential leads are gathered.
  static constexpr size_t kGatherFromLeads = 8;
  // Docids per stretch of a gathered window.
  static constexpr size_t kStretch = 512;

  // Disjunction's current window.
  struct Window {
    uint32_t end = kEndDocid;
    bool pruning = false;        // the entry score was finite at its start
    size_t first_essential = 0;  // lower ranks are non-essential
    bool done = false;           // it ends before `end` is reached
  };

  std::vector<OpenClause> clauses_;
  double boost_;
  uint64_t threshold_;
  HitCollector* collector_;
  std::vector<double> contributions_;
  // The candidate's clauses: bit i % 64 of word i / 64.
  std::vector<uint64_t> contributed_bits_;
  std::vector<size_t> excluding_;    // the MUST_NOT clauses
  std::vector<double> candidate_bound_;  // per covered phrase, at the candidate
  // Disjunction's units, per clause bounds in the window, and per rank (by
  // ascending unit bound): the bounds of ranks [0, k), the unit, its lead's
  // scorer, and that lead's docid (MergeWindow).
  std::vector<Unit> units_;
  std::vector<double> block_;
  std::vector<double> bound_below_;
  std::vector<const Unit*> unit_by_rank_;
  std::vector<ClauseScorer*> lead_by_rank_;
  std::vector<uint32_t> docid_by_rank_;
  std::vector<size_t> matched_ranks_;  // MergeWindow: the candidate's essential ranks
  double entry_ = 0;  // the lowest score a new hit needs
  Window window_;
  // The candidate: the units whose leads have it, its score so far, and
  // the bounds of those units' covered phrases not yet looked up.
  std::vector<const Unit*> matched_;
  double partial_ = 0;
  double covered_left_ = 0;
  // Gather's output; the slot and rank bits are cleared as they are read.
  uint64_t gathered_slots_[kStretch / 64] = {};
  std::vector<uint64_t> gathered_ranks_;
  std::unique_ptr<double[]> gathered_scores_;
  size_t gathered_scores_size_ = 0;
  PrunedCount count_;
};

}  // namespace

absl::StatusOr<std::optional<PrunedCount>> PrunedTopK(const PostingStore& postings,
                                                      const rocksdb::Snapshot* snapshot,
                                                      const ScoringContext& scoring,
                                                      const v1::QueryNode& root,
                                                      uint64_t total_hits_threshold,
                                                      HitCollector* collector,
                                                      const SearchTermRecords* read_before) {
  if (!root.has_boolean() || !ValidBoost(root.boolean().boost())) return std::nullopt;
  const v1::BooleanQuery& boolean = root.boolean();
  for (const v1::BooleanClause& clause : boolean.clauses()) {
    const v1::Occur occur = clause.occur();
    const v1::QueryNode& node = clause.node();
    const bool well_formed = node.has_term()     ? IsWellFormedTermClause(node.term())
                             : node.has_phrase() ? IsWellFormedPhraseClause(node.phrase())
                                                 : false;
    if ((occur != v1::OCCUR_MUST && occur != v1::OCCUR_SHOULD && occur != v1::OCCUR_MUST_NOT) ||
        !well_formed) {
      return std::nullopt;
    }
  }
  std::vector<OpenClause> clauses;
  for (const v1::BooleanClause& clause : boolean.clauses()) {
    OpenClause open;
    open.occur = clause.occur();
    absl::StatusOr<std::optional<std::unique_ptr<ClauseScorer>>> scorer =
        OpenScorer(postings, snapshot, scoring, read_before, clause, &open.field_scales);
    if (!scorer.ok()) return scorer.status();
    if (!scorer->has_value()) return std::nullopt;
    open.scorer = *std::move(*scorer);
    clauses.push_back(std::move(open));
  }
  // A SHOULD phrase within SHOULD term clauses (as proximity phrases are)
  // is covered by the rarest of them: looked up only where it matches.
  // Covers only shape the disjunction; with a MUST clause every SHOULD
  // clause is only looked up anyway.
  const bool has_must = std::any_of(clauses.begin(), clauses.end(), [](const OpenClause& c) {
    return c.occur == v1::OCCUR_MUST;
  });
  for (int i = 0; i < boolean.clauses_size() && !has_must; ++i) {
    const v1::BooleanClause& phrase = boolean.clauses(i);
    if (phrase.occur() != v1::OCCUR_SHOULD || !phrase.node().has_phrase()) continue;
    for (int j = 0; j < boolean.clauses_size(); ++j) {
      const v1::BooleanClause& term = boolean.clauses(j);
      if (term.occur() != v1::OCCUR_SHOULD || !term.node().has_term() ||
          !PhraseWithinTerm(phrase.node().phrase(), term.node().term())) {
        continue;
      }
      std::optional<size_t>& cover = clauses[i].cover;
      if (!cover || clauses[j].scorer->cost() < clauses[*cover].scorer->cost()) cover = j;
    }
    if (clauses[i].cover) {
      clauses[i].cover_ratio =
          CoverRatio(phrase.node().phrase(), clauses[i], clauses[*clauses[i].cover]);
      ShareWordCursors(boolean, i, clauses);
    }
  }
  TopKRun run(std::move(clauses), BoostOrOne(boolean.boost()), total_hits_threshold, collector);
  absl::StatusOr<PrunedCount> count = run.Run();
  if (!count.ok()) return count.status();
  return std::optional<PrunedCount>(*count);
}

}  // namespace loupe
