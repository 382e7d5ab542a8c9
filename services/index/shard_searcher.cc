#include "services/index/shard_searcher.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"
#include "services/index/index_engine.h"
#include "services/index/index_schema.h"

namespace loupe {
namespace {

// Most alternatives a clause may carry.
constexpr int kMaxAlternatives = 16;

// One scored (clause, concrete field) pair, ready to run. A clause with
// alternatives is a group of forms scored as one term.
struct ScoredTerm {
  int clause = 0;
  v1::Field field = v1::FIELD_UNSPECIFIED;
  // The clause's term, then its alternatives.
  std::vector<const std::string*> forms;
  v1::Occur occur = v1::OCCUR_SHOULD;
  double boost_weight = 0;  // boost * field weight
  double idf = 0;
  double average_length = 0;
};

struct DocAccumulator {
  double score = 0;
  uint32_t must_matches = 0;
  int last_must_clause = -1;
  bool should_matched = false;
};

struct Hit {
  double score;
  std::string id;
};

// Strict "a ranks before b": score descending, then id ascending.
bool RanksBefore(const Hit& a, const Hit& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.id < b.id;
}

bool IsFiniteNonNegative(float value) { return std::isfinite(value) && value >= 0; }

// Request value when non-zero, else the default.
double Pick(float requested, double fallback) {
  return requested != 0 ? static_cast<double>(requested) : fallback;
}

absl::Status ValidateRequest(const v1::ShardSearchRequest& request) {
  FieldViolations violations;
  if (request.limit() < 1 || request.limit() > kMaxSearchLimit) {
    violations.Add("limit", absl::StrCat("is ", request.limit(), "; must be 1–", kMaxSearchLimit));
  }
  const v1::QueryPlan& plan = request.plan();
  if (plan.clauses_size() > kMaxPlanClauses) {
    violations.Add("plan.clauses", absl::StrCat("has ", plan.clauses_size(),
                                                " entries; at most ", kMaxPlanClauses));
    return violations.ToStatus("invalid Search request");
  }
  for (int i = 0; i < plan.clauses_size(); ++i) {
    const v1::TermClause& clause = plan.clauses(i);
    const std::string path = absl::StrCat("plan.clauses[", i, "]");
    if (clause.term().empty() || absl::StrContains(clause.term(), '\0')) {
      violations.Add(absl::StrCat(path, ".term"), "must be non-empty, without NUL");
    }
    if (clause.alternatives_size() > kMaxAlternatives) {
      violations.Add(absl::StrCat(path, ".alternatives"),
                     absl::StrCat("has ", clause.alternatives_size(), " entries; at most ",
                                  kMaxAlternatives));
    }
    for (int a = 0; a < clause.alternatives_size(); ++a) {
      const std::string& alternative = clause.alternatives(a);
      if (alternative.empty() || absl::StrContains(alternative, '\0')) {
        violations.Add(absl::StrCat(path, ".alternatives[", a, "]"),
                       "must be non-empty, without NUL");
      }
    }
    if (!v1::Field_IsValid(clause.field())) {
      violations.Add(absl::StrCat(path, ".field"), "is not a known Field");
    }
    if (!v1::Occur_IsValid(clause.occur())) {
      violations.Add(absl::StrCat(path, ".occur"), "is not a known Occur");
    }
    if (!IsFiniteNonNegative(clause.boost())) {
      violations.Add(absl::StrCat(path, ".boost"), "must be finite and >= 0");
    }
  }
  if (request.stat_terms_size() != request.stat_document_frequencies_size()) {
    violations.Add("stat_document_frequencies",
                   absl::StrCat("has ", request.stat_document_frequencies_size(),
                                " entries but stat_terms has ", request.stat_terms_size()));
  }
  for (int i = 0; i < request.stat_terms_size(); ++i) {
    const v1::Field field = request.stat_terms(i).field();
    if (field != v1::FIELD_TITLE && field != v1::FIELD_BODY) {
      violations.Add(absl::StrCat("stat_terms[", i, "].field"),
                     "must be FIELD_TITLE or FIELD_BODY");
    }
  }
  const v1::ScoringParams& scoring = request.scoring();
  if (!IsFiniteNonNegative(scoring.k1())) violations.Add("scoring.k1", "must be finite and >= 0");
  if (!IsFiniteNonNegative(scoring.b()) || scoring.b() > 1) {
    violations.Add("scoring.b", "must be in [0, 1]");
  }
  if (!IsFiniteNonNegative(scoring.title_weight())) {
    violations.Add("scoring.title_weight", "must be finite and >= 0");
  }
  if (!IsFiniteNonNegative(scoring.body_weight())) {
    violations.Add("scoring.body_weight", "must be finite and >= 0");
  }
  if (!violations.empty()) return violations.ToStatus("invalid Search request");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ShardSearcher::ExternalId(uint32_t docid) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string id;
  rocksdb::Status status =
      store_->db()->Get(read, store_->Family(kIdsFamily), StoredKey(docid), &id);
  if (status.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("docid ", docid, " has postings but no id"));
  }
  if (!status.ok()) return FromRocksDb(status, "rocksdb get ids");
  return id;
}

absl::StatusOr<v1::ShardSearchResponse> ShardSearcher::Search(
    const v1::ShardSearchRequest& request) const {
  LOUPE_RETURN_IF_ERROR(ValidateRequest(request));
  const v1::ScoringParams& scoring = request.scoring();
  const double k1 = Pick(scoring.k1(), defaults_.k1);
  const double b = Pick(scoring.b(), defaults_.b);
  const double title_weight = Pick(scoring.title_weight(), defaults_.title_weight);
  const double body_weight = Pick(scoring.body_weight(), defaults_.body_weight);

  absl::flat_hash_map<std::string, uint64_t> global_df;
  for (int i = 0; i < request.stat_terms_size(); ++i) {
    const v1::FieldTerm& term = request.stat_terms(i);
    global_df[PostingStore::TermKey(term.field(), term.term())] =
        request.stat_document_frequencies(i);
  }
  const uint64_t document_count = request.global_stats().document_count();
  absl::flat_hash_map<int, uint64_t> field_tokens;
  for (const v1::FieldStats& stats : request.global_stats().fields()) {
    field_tokens[stats.field()] = stats.total_tokens();
  }

  // Plan -> per-field terms to run, checking that every scored one has stats.
  std::vector<ScoredTerm> scored_terms;
  std::vector<ScoredTerm> excluded_terms;
  uint32_t must_clauses = 0;
  FieldViolations missing;
  for (int i = 0; i < request.plan().clauses_size(); ++i) {
    const v1::TermClause& clause = request.plan().clauses(i);
    if (clause.occur() == v1::OCCUR_MUST) ++must_clauses;
    const double boost = clause.boost() == 0 ? 1.0 : static_cast<double>(clause.boost());
    for (v1::Field field : kTextFields) {
      if (clause.field() != v1::FIELD_UNSPECIFIED && clause.field() != field) continue;
      ScoredTerm scored;
      scored.clause = i;
      scored.field = field;
      scored.forms.push_back(&clause.term());
      for (const std::string& alternative : clause.alternatives()) {
        if (alternative != clause.term()) scored.forms.push_back(&alternative);
      }
      scored.occur = clause.occur();
      if (clause.occur() == v1::OCCUR_MUST_NOT) {
        excluded_terms.push_back(std::move(scored));
        continue;
      }
      // A group's df is the largest global df among its forms (as Lucene's
      // SynonymQuery): the group is at least as common as its commonest form.
      uint64_t group_df = 0;
      bool has_stats = true;
      for (const std::string* form : scored.forms) {
        auto df = global_df.find(PostingStore::TermKey(field, *form));
        if (df == global_df.end()) {
          missing.Add("stat_terms", absl::StrCat("has no document frequency for ",
                                                 v1::Field_Name(field), " \"", *form,
                                                 "\" (plan.clauses[", i, "])"));
          has_stats = false;
          continue;
        }
        group_df = std::max(group_df, df->second);
      }
      if (!has_stats) continue;
      auto tokens = field_tokens.find(field);
      if (tokens == field_tokens.end()) {
        missing.Add("global_stats.fields", absl::StrCat("has no total for ", v1::Field_Name(field)));
        continue;
      }
      scored.boost_weight = boost * (field == v1::FIELD_TITLE ? title_weight : body_weight);
      scored.idf = Bm25Idf(document_count, group_df);
      scored.average_length =
          document_count > 0
              ? static_cast<double>(tokens->second) / static_cast<double>(document_count)
              : 0.0;
      scored_terms.push_back(std::move(scored));
    }
  }
  if (!missing.empty()) return missing.ToStatus("missing global statistics");

  absl::flat_hash_set<uint32_t> excluded;
  for (const ScoredTerm& term : excluded_terms) {
    for (const std::string* form : term.forms) {
      LOUPE_RETURN_IF_ERROR(postings_->ForEach(
          snapshot_, term.field, *form, /*with_positions=*/false,
          [&](const Posting& posting) { excluded.insert(posting.docid); }));
    }
  }
  // Term at a time, in plan order: each document's score is summed in the
  // same order on every shard layout (one addition per scored term).
  absl::flat_hash_map<uint32_t, DocAccumulator> accumulators;
  auto add_score = [&](const ScoredTerm& term, uint32_t docid, uint32_t tf,
                       uint32_t field_length) {
    DocAccumulator& acc = accumulators[docid];
    acc.score += Bm25TermScore(k1, b, term.boost_weight, term.idf, tf, field_length,
                               term.average_length);
    if (term.occur == v1::OCCUR_MUST) {
      if (acc.last_must_clause != term.clause) {
        acc.last_must_clause = term.clause;
        ++acc.must_matches;
      }
    } else {
      acc.should_matched = true;
    }
  };
  struct GroupFrequency {
    uint32_t tf = 0;
    uint32_t field_length = 0;
  };
  absl::flat_hash_map<uint32_t, GroupFrequency> group;
  for (const ScoredTerm& term : scored_terms) {
    if (term.forms.size() == 1) {
      LOUPE_RETURN_IF_ERROR(postings_->ForEach(
          snapshot_, term.field, *term.forms[0], /*with_positions=*/false,
          [&](const Posting& posting) {
            if (excluded.contains(posting.docid)) return;
            add_score(term, posting.docid, posting.term_frequency, posting.field_length);
          }));
      continue;
    }
    // A group: per document, tf = the sum of its forms' tfs (distinct forms
    // never share a position), then one score as for a single term.
    group.clear();
    for (const std::string* form : term.forms) {
      LOUPE_RETURN_IF_ERROR(postings_->ForEach(
          snapshot_, term.field, *form, /*with_positions=*/false,
          [&](const Posting& posting) {
            if (excluded.contains(posting.docid)) return;
            GroupFrequency& frequency = group[posting.docid];
            frequency.tf += posting.term_frequency;
            frequency.field_length = posting.field_length;
          }));
    }
    for (const auto& [docid, frequency] : group) {
      add_score(term, docid, frequency.tf, frequency.field_length);
    }
  }

  // Bounded heap of the best `limit` hits; heap.front() is the worst kept.
  const size_t limit = request.limit();
  std::vector<Hit> heap;
  heap.reserve(std::min<size_t>(limit, accumulators.size()));
  uint64_t total_hits = 0;
  for (const auto& [docid, acc] : accumulators) {
    const bool matches =
        must_clauses > 0 ? acc.must_matches == must_clauses : acc.should_matched;
    if (!matches) continue;
    ++total_hits;
    // Ids are read only for documents that may enter the heap.
    if (heap.size() == limit && acc.score < heap.front().score) continue;
    absl::StatusOr<std::string> id = ExternalId(docid);
    if (!id.ok()) return id.status();
    Hit hit{acc.score, *std::move(id)};
    if (heap.size() < limit) {
      heap.push_back(std::move(hit));
      std::push_heap(heap.begin(), heap.end(), RanksBefore);
    } else if (RanksBefore(hit, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), RanksBefore);
      heap.back() = std::move(hit);
      std::push_heap(heap.begin(), heap.end(), RanksBefore);
    }
  }
  std::sort(heap.begin(), heap.end(), RanksBefore);

  v1::ShardSearchResponse response;
  response.set_total_hits(total_hits);
  for (Hit& hit : heap) {
    v1::ShardHit* out = response.add_hits();
    out->set_id(std::move(hit.id));
    out->set_score(hit.score);
  }
  return response;
}

}  // namespace loupe
