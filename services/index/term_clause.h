// Shared rules for the term clauses of a query plan: which forms, fields
// and boosts are valid, and the distinct forms a clause scores as one term.
// QueryEvaluator reports each broken rule with its path; PrunedTopK only
// asks whether a clause is well formed (and leaves the reporting to the
// evaluator when it is not).
//
//   if (IsWellFormedTermClause(clause)) {
//     std::vector<const std::string*> forms = DistinctForms(clause);
//   }
#ifndef LOUPE_SERVICES_INDEX_TERM_CLAUSE_H_
#define LOUPE_SERVICES_INDEX_TERM_CLAUSE_H_

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "loupe/v1/index.pb.h"

namespace loupe {

// Most alternatives of a term (phrase words included).
inline constexpr int kMaxTermAlternatives = 16;

inline bool ValidForm(const std::string& form) {
  return !form.empty() && !absl::StrContains(form, '\0');
}

inline bool ValidBoost(float boost) { return std::isfinite(boost) && boost >= 0; }

// A boost of 0 (unset) counts as 1.
inline double BoostOrOne(float boost) { return boost == 0 ? 1.0 : static_cast<double>(boost); }

inline bool IsTextScope(v1::Field field) {
  return field == v1::FIELD_UNSPECIFIED || field == v1::FIELD_TITLE || field == v1::FIELD_BODY;
}

// `field` is searched by a clause scoped to `scope` (UNSPECIFIED = all).
inline bool InScope(v1::Field scope, v1::Field field) {
  return scope == v1::FIELD_UNSPECIFIED || scope == field;
}

// The term then its alternatives, each once, in order.
inline std::vector<const std::string*> DistinctForms(const v1::TermClause& term) {
  std::vector<const std::string*> forms = {&term.term()};
  for (const std::string& alternative : term.alternatives()) {
    if (std::none_of(forms.begin(), forms.end(),
                     [&](const std::string* form) { return *form == alternative; })) {
      forms.push_back(&alternative);
    }
  }
  return forms;
}

inline bool IsWellFormedTermClause(const v1::TermClause& term) {
  return ValidForm(term.term()) && term.alternatives_size() <= kMaxTermAlternatives &&
         std::all_of(term.alternatives().begin(), term.alternatives().end(), ValidForm) &&
         IsTextScope(term.field()) && ValidBoost(term.boost());
}

// 1+ words with valid forms, offsets starting at 0 and ascending (one per
// word), a text field and a finite boost >= 0.
inline bool IsWellFormedPhraseClause(const v1::PhraseClause& phrase) {
  const int n = phrase.words_size();
  if (n < 1 || phrase.offsets_size() != n || !IsTextScope(phrase.field()) ||
      !ValidBoost(phrase.boost())) {
    return false;
  }
  for (int i = 0; i < n; ++i) {
    if (i == 0 ? phrase.offsets(0) != 0 : phrase.offsets(i) <= phrase.offsets(i - 1)) {
      return false;
    }
    const v1::TermClause& word = phrase.words(i);
    if (!ValidForm(word.term()) || word.alternatives_size() > kMaxTermAlternatives ||
        !std::all_of(word.alternatives().begin(), word.alternatives().end(), ValidForm)) {
      return false;
    }
  }
  return true;
}

// A phrase word's forms as the evaluator reads them: the term then every
// alternative, repeats included.
inline std::vector<const std::string*> PhraseWordForms(const v1::TermClause& word) {
  std::vector<const std::string*> forms = {&word.term()};
  for (const std::string& alternative : word.alternatives()) forms.push_back(&alternative);
  return forms;
}

// `form` is the term or one of the alternatives of `term`.
inline bool IsFormOf(const std::string& form, const v1::TermClause& term) {
  return form == term.term() ||
         std::find(term.alternatives().begin(), term.alternatives().end(), form) !=
             term.alternatives().end();
}

// Every form of the phrase word `word` is a form of `term` (checked for
// every pair of a query's words and terms: nothing is allocated).
inline bool WordWithinTerm(const v1::TermClause& word, const v1::TermClause& term) {
  return IsFormOf(word.term(), term) &&
         std::all_of(word.alternatives().begin(), word.alternatives().end(),
                     [&](const std::string& form) { return IsFormOf(form, term); });
}

// Every document `phrase` matches, `term` matches too: the term searches
// every field the phrase does, and one of the phrase's words has only forms
// of the term. (Proximity phrases are made of the query's term clauses.)
inline bool PhraseWithinTerm(const v1::PhraseClause& phrase, const v1::TermClause& term) {
  if (!InScope(term.field(), phrase.field())) return false;
  return std::any_of(phrase.words().begin(), phrase.words().end(),
                     [&](const v1::TermClause& word) { return WordWithinTerm(word, term); });
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_TERM_CLAUSE_H_
