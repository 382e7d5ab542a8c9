#include "services/index/query_evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/index/bm25.h"
#include "services/index/index_schema.h"
#include "services/index/term_clause.h"

namespace loupe {
namespace {

// Per document and field: summed tf of a group's forms and the field length.
struct GroupFrequency {
  uint32_t tf = 0;
  uint32_t field_length = 0;
};

}  // namespace

absl::StatusOr<DocScores> QueryEvaluator::Evaluate(const v1::QueryNode& root,
                                                   const std::string& path) {
  DocScores out;
  absl::Status status = Eval(root, path, 1, /*scored=*/true, &out);
  if (!violations_.empty()) return violations_.ToStatus("missing global statistics or invalid query plan");
  if (!status.ok()) return status;
  return out;
}

void QueryEvaluator::Record(uint32_t docid, const std::string& path, std::string terms,
                            v1::Field field, uint32_t tf, uint64_t df, double idf,
                            uint32_t field_length, double average_length, double weight,
                            double score) {
  if (explain_ == nullptr || docid != explain_docid_) return;
  v1::ScoreComponent* component = explain_->Add();
  component->set_clause(path);
  component->set_terms(std::move(terms));
  component->set_field(field);
  component->set_tf(tf);
  component->set_df(df);
  component->set_idf(idf);
  component->set_field_length(field_length);
  component->set_average_length(average_length);
  component->set_weight(weight);
  component->set_score(score);
}

bool QueryEvaluator::AverageLength(v1::Field field, double* average) {
  if (AverageFieldLength(*scoring_, field, average)) return true;
  violations_.Add("global_stats.fields", absl::StrCat("has no total for ", v1::Field_Name(field)));
  return false;
}

bool QueryEvaluator::GroupDocumentFrequency(const std::vector<const std::string*>& forms,
                                            v1::Field field, const std::string& path,
                                            uint64_t* df) {
  return loupe::GroupDocumentFrequency(*scoring_, forms, field, df, [&](const std::string& form) {
    violations_.Add("stat_terms", absl::StrCat("has no document frequency for ",
                                               v1::Field_Name(field), " \"", form, "\" (", path,
                                               ")"));
  });
}

absl::Status QueryEvaluator::Eval(const v1::QueryNode& node, const std::string& path, int depth,
                                  bool scored, DocScores* out) {
  if (depth > kMaxQueryDepth) {
    violations_.Add(path, absl::StrCat("is nested deeper than ", kMaxQueryDepth, " levels"));
    return absl::OkStatus();
  }
  switch (node.kind_case()) {
    case v1::QueryNode::kTerm:
      return EvalTerm(node.term(), absl::StrCat(path, ".term"), scored, out);
    case v1::QueryNode::kPhrase:
      return EvalPhrase(node.phrase(), absl::StrCat(path, ".phrase"), scored, out);
    case v1::QueryNode::kPrefix:
      return EvalPrefix(node.prefix(), absl::StrCat(path, ".prefix"), scored, out);
    case v1::QueryNode::kFilter:
      return EvalFilter(node.filter(), absl::StrCat(path, ".filter"), out);
    case v1::QueryNode::kBoolean:
      return EvalBoolean(node.boolean(), absl::StrCat(path, ".boolean"), depth, scored, out);
    case v1::QueryNode::KIND_NOT_SET:
      break;
  }
  violations_.Add(path, "has no kind (term, phrase, prefix, filter or boolean)");
  return absl::OkStatus();
}

absl::Status QueryEvaluator::EvalTermGroup(const std::vector<const std::string*>& forms,
                                           v1::Field scope, double boost,
                                           const std::string& path, bool scored,
                                           DocScores* out) {
  absl::flat_hash_map<uint32_t, GroupFrequency> group;
  for (v1::Field field : kTextFields) {
    if (!InScope(scope, field)) continue;
    double idf = 0;
    double average_length = 0;
    uint64_t df = 0;
    if (scored) {
      const bool has_df = GroupDocumentFrequency(forms, field, path, &df);
      if (!AverageLength(field, &average_length) || !has_df) continue;
      idf = Bm25Idf(scoring_->document_count, df);
    }
    group.clear();
    for (const std::string* form : forms) {
      LOUPE_RETURN_IF_ERROR(postings_->ForEach(
          snapshot_, field, *form, /*with_positions=*/false, [&](const Posting& posting) {
            GroupFrequency& frequency = group[posting.docid];
            frequency.tf += posting.term_frequency;
            frequency.field_length = posting.field_length;
          }));
    }
    const double weight = boost * FieldWeight(*scoring_, field);
    for (const auto& [docid, frequency] : group) {
      double& score = (*out)[docid];
      if (scored) {
        const double part = Bm25TermScore(scoring_->k1, scoring_->b, weight, idf, frequency.tf,
                                          frequency.field_length, average_length);
        score += part;
        if (explain_ != nullptr && docid == explain_docid_) {
          std::vector<std::string> names;
          for (const std::string* form : forms) names.push_back(*form);
          Record(docid, path, absl::StrJoin(names, " | "), field, frequency.tf, df, idf,
                 frequency.field_length, average_length, weight, part);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status QueryEvaluator::EvalTerm(const v1::TermClause& term, const std::string& path,
                                      bool scored, DocScores* out) {
  bool valid = true;
  if (!ValidForm(term.term())) {
    violations_.Add(absl::StrCat(path, ".term"), "must be non-empty, without NUL");
    valid = false;
  }
  if (term.alternatives_size() > kMaxTermAlternatives) {
    violations_.Add(absl::StrCat(path, ".alternatives"),
                    absl::StrCat("has ", term.alternatives_size(), " entries; at most ",
                                 kMaxTermAlternatives));
    valid = false;
  }
  for (int a = 0; a < term.alternatives_size(); ++a) {
    if (!ValidForm(term.alternatives(a))) {
      violations_.Add(absl::StrCat(path, ".alternatives[", a, "]"),
                      "must be non-empty, without NUL");
      valid = false;
    }
  }
  if (!IsTextScope(term.field())) {
    violations_.Add(absl::StrCat(path, ".field"), "must be FIELD_UNSPECIFIED, TITLE or BODY");
    valid = false;
  }
  if (!ValidBoost(term.boost())) {
    violations_.Add(absl::StrCat(path, ".boost"), "must be finite and >= 0");
    valid = false;
  }
  if (!valid) return absl::OkStatus();
  return EvalTermGroup(DistinctForms(term), term.field(), BoostOrOne(term.boost()), path, scored, out);
}

absl::Status QueryEvaluator::EvalPrefix(const v1::PrefixClause& prefix, const std::string& path,
                                        bool scored, DocScores* out) {
  if (!IsTextScope(prefix.field()) || !ValidBoost(prefix.boost()) ||
      prefix.expansions_size() > static_cast<int>(kMaxPrefixTerms)) {
    violations_.Add(path, absl::StrCat("needs a text field, a finite boost >= 0 and at most ",
                                       kMaxPrefixTerms, " expansions"));
    return absl::OkStatus();
  }
  for (v1::Field field : kTextFields) {
    if (!InScope(prefix.field(), field)) continue;
    std::vector<const std::string*> forms;
    for (const v1::FieldTerm& expansion : prefix.expansions()) {
      if (expansion.field() == field && ValidForm(expansion.term())) {
        forms.push_back(&expansion.term());
      }
    }
    if (forms.empty()) continue;
    LOUPE_RETURN_IF_ERROR(
        EvalTermGroup(forms, field, BoostOrOne(prefix.boost()), path, scored, out));
  }
  return absl::OkStatus();
}

absl::Status QueryEvaluator::EvalPhrase(const v1::PhraseClause& phrase, const std::string& path,
                                        bool scored, DocScores* out) {
  const int n = phrase.words_size();
  const bool valid = IsWellFormedPhraseClause(phrase);
  if (!valid) {
    violations_.Add(path,
                    "needs 1+ words with valid forms, offsets starting at 0 and ascending (one "
                    "per word), a text field and a finite boost >= 0");
    return absl::OkStatus();
  }
  // Per word: its forms.
  std::vector<std::vector<const std::string*>> words(n);
  for (int i = 0; i < n; ++i) words[i] = PhraseWordForms(phrase.words(i));
  struct Positions {
    std::vector<uint32_t> positions;
    uint32_t field_length = 0;
  };
  for (v1::Field field : kTextFields) {
    if (!InScope(phrase.field(), field)) continue;
    double idf_sum = 0;
    double average_length = 0;
    if (scored) {
      bool complete = AverageLength(field, &average_length);
      for (int i = 0; i < n; ++i) {
        uint64_t df = 0;
        complete = GroupDocumentFrequency(words[i], field, path, &df) && complete;
        idf_sum += Bm25Idf(scoring_->document_count, df);
      }
      if (!complete) continue;
    }
    // Word by word, keeping only documents that have every word so far.
    std::vector<absl::flat_hash_map<uint32_t, Positions>> by_word(n);
    bool empty = false;
    for (int i = 0; i < n && !empty; ++i) {
      for (const std::string* form : words[i]) {
        LOUPE_RETURN_IF_ERROR(postings_->ForEach(
            snapshot_, field, *form, /*with_positions=*/true, [&](const Posting& posting) {
              if (i > 0 && !by_word[0].contains(posting.docid)) return;
              Positions& entry = by_word[i][posting.docid];
              entry.positions.insert(entry.positions.end(), posting.positions.begin(),
                                     posting.positions.end());
              entry.field_length = posting.field_length;
            }));
      }
      empty = by_word[i].empty();
    }
    if (empty) continue;
    for (auto& word : by_word) {
      for (auto& [docid, entry] : word) std::sort(entry.positions.begin(), entry.positions.end());
    }
    const double weight = BoostOrOne(phrase.boost()) * FieldWeight(*scoring_, field);
    for (const auto& [docid, first] : by_word[0]) {
      uint32_t frequency = 0;
      bool in_all = true;
      for (int i = 1; i < n && in_all; ++i) in_all = by_word[i].contains(docid);
      if (!in_all) continue;
      for (uint32_t start : first.positions) {
        bool match = true;
        for (int i = 1; i < n && match; ++i) {
          const std::vector<uint32_t>& positions = by_word[i].at(docid).positions;
          match = std::binary_search(positions.begin(), positions.end(),
                                     start + phrase.offsets(i));
        }
        if (match) ++frequency;
      }
      if (frequency == 0) continue;
      double& score = (*out)[docid];
      if (scored) {
        const double part = Bm25TermScore(scoring_->k1, scoring_->b, weight, idf_sum, frequency,
                                          first.field_length, average_length);
        score += part;
        if (explain_ != nullptr && docid == explain_docid_) {
          std::vector<std::string> names;
          for (const auto& forms : words) names.push_back(*forms[0]);
          Record(docid, path, absl::StrCat("\"", absl::StrJoin(names, " "), "\""), field,
                 frequency, 0, idf_sum, first.field_length, average_length, weight, part);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status QueryEvaluator::EvalFilter(const v1::FilterClause& filter, const std::string& path,
                                        DocScores* out) {
  switch (filter.kind_case()) {
    case v1::FilterClause::kKeyword: {
      const v1::KeywordFilter& keyword = filter.keyword();
      if (keyword.field() != v1::FIELD_SOURCE && keyword.field() != v1::FIELD_LANG &&
          keyword.field() != v1::FIELD_TAG) {
        violations_.Add(absl::StrCat(path, ".keyword.field"),
                        "must be FIELD_SOURCE, FIELD_LANG or FIELD_TAG");
        return absl::OkStatus();
      }
      if (!ValidForm(keyword.value())) {
        violations_.Add(absl::StrCat(path, ".keyword.value"), "must be non-empty, without NUL");
        return absl::OkStatus();
      }
      return postings_->ForEach(snapshot_, keyword.field(), keyword.value(),
                                /*with_positions=*/false,
                                [out](const Posting& posting) { (*out)[posting.docid]; });
    }
    case v1::FilterClause::kDate: {
      const v1::DateRangeFilter& date = filter.date();
      const int64_t min =
          date.has_min_seconds() ? date.min_seconds() : std::numeric_limits<int64_t>::min() + 1;
      const int64_t max =
          date.has_max_seconds() ? date.max_seconds() : std::numeric_limits<int64_t>::max();
      return dates_->ForEachInRange(std::max(min, kNoDate + 1), max,
                                    [out](uint32_t docid) { (*out)[docid]; });
    }
    case v1::FilterClause::KIND_NOT_SET:
      break;
  }
  violations_.Add(path, "has neither keyword nor date");
  return absl::OkStatus();
}

absl::Status QueryEvaluator::EvalBoolean(const v1::BooleanQuery& boolean,
                                         const std::string& path, int depth, bool scored,
                                         DocScores* out) {
  if (!ValidBoost(boolean.boost())) {
    violations_.Add(absl::StrCat(path, ".boost"), "must be finite and >= 0");
    return absl::OkStatus();
  }
  const int n = boolean.clauses_size();
  const int first_component = explain_ != nullptr ? explain_->size() : 0;
  std::vector<DocScores> results(n);
  std::vector<int> required;
  bool has_must = false;
  bool has_should = false;
  for (int i = 0; i < n; ++i) {
    const v1::BooleanClause& clause = boolean.clauses(i);
    const std::string child_path = absl::StrCat(path, ".clauses[", i, "]");
    if (!v1::Occur_IsValid(clause.occur())) {
      violations_.Add(absl::StrCat(child_path, ".occur"), "is not a known Occur");
      continue;
    }
    const bool child_scored =
        scored && (clause.occur() == v1::OCCUR_MUST || clause.occur() == v1::OCCUR_SHOULD);
    LOUPE_RETURN_IF_ERROR(Eval(clause.node(), absl::StrCat(child_path, ".node"), depth + 1,
                               child_scored, &results[i]));
    if (clause.occur() == v1::OCCUR_MUST || clause.occur() == v1::OCCUR_FILTER) {
      required.push_back(i);
    }
    has_must |= clause.occur() == v1::OCCUR_MUST;
    has_should |= clause.occur() == v1::OCCUR_SHOULD;
  }
  if (!violations_.empty()) return absl::OkStatus();

  // Candidates: from the smallest required set, else the union of SHOULDs.
  std::vector<uint32_t> candidates;
  if (!required.empty()) {
    const int driver = *std::min_element(required.begin(), required.end(), [&](int a, int b) {
      return results[a].size() < results[b].size();
    });
    for (const auto& entry : results[driver]) candidates.push_back(entry.first);
  } else if (has_should) {
    absl::flat_hash_map<uint32_t, bool> seen;
    for (int i = 0; i < n; ++i) {
      if (boolean.clauses(i).occur() != v1::OCCUR_SHOULD) continue;
      for (const auto& entry : results[i]) {
        if (seen.emplace(entry.first, true).second) candidates.push_back(entry.first);
      }
    }
  }
  const double boost = BoostOrOne(boolean.boost());
  for (uint32_t docid : candidates) {
    bool matches = true;
    bool any_should = false;
    double score = 0;
    for (int i = 0; i < n && matches; ++i) {
      const auto found = results[i].find(docid);
      const bool present = found != results[i].end();
      switch (boolean.clauses(i).occur()) {
        case v1::OCCUR_MUST:
          matches = present;
          if (present) score += found->second;
          break;
        case v1::OCCUR_FILTER:
          matches = present;
          break;
        case v1::OCCUR_MUST_NOT:
          matches = !present;
          break;
        case v1::OCCUR_SHOULD:
          if (present) {
            any_should = true;
            score += found->second;
          }
          break;
        default:
          break;
      }
    }
    if (!matches || (!has_must && has_should && !any_should)) continue;
    (*out)[docid] = scored ? score * boost : 0.0;
  }
  if (explain_ != nullptr) {
    // Leaves under a boolean the document does not match do not count.
    if (!out->contains(explain_docid_) || !scored) {
      explain_->DeleteSubrange(first_component, explain_->size() - first_component);
    } else if (boost != 1.0) {
      for (int c = first_component; c < explain_->size(); ++c) {
        v1::ScoreComponent* component = explain_->Mutable(c);
        component->set_weight(component->weight() * boost);
        component->set_score(component->score() * boost);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace loupe
