// Walks the analysed terms of a loupe::v1::QueryPlan, flat (`clauses`) or
// tree (`root`), so that loupe-query (which terms need global statistics)
// and loupe-index (which terms a snippet highlights) agree on what a plan
// contains. Header-only: both services include it.
//
// Contract: `visit(field, term, excluded)` is called once per form of every
// term-like leaf, depth first in plan order: a term clause's term then its
// alternatives, each word of a phrase (all its forms), and each expansion of
// a prefix (with the expansion's own field). `field` may be
// FIELD_UNSPECIFIED (both text fields). `excluded` is true when the leaf is
// under a MUST_NOT clause (it never scores). Filters have no terms.
//
//   ForEachPlanTerm(plan, [&](v1::Field field, const std::string& term, bool excluded) {
//     if (!excluded) highlight.insert(term);
//   });
#ifndef LOUPE_SERVICES_COMMON_QUERY_PLAN_TERMS_H_
#define LOUPE_SERVICES_COMMON_QUERY_PLAN_TERMS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/index.pb.h"

namespace loupe {

namespace plan_terms_internal {

template <typename Visit>
void VisitForms(const v1::TermClause& clause, v1::Field field, bool excluded, Visit& visit) {
  visit(field, clause.term(), excluded);
  for (const std::string& alternative : clause.alternatives()) visit(field, alternative, excluded);
}

template <typename Visit>
void VisitNode(const v1::QueryNode& node, bool excluded, Visit& visit) {
  switch (node.kind_case()) {
    case v1::QueryNode::kTerm:
      VisitForms(node.term(), node.term().field(), excluded, visit);
      break;
    case v1::QueryNode::kPhrase:
      for (const v1::TermClause& word : node.phrase().words()) {
        VisitForms(word, node.phrase().field(), excluded, visit);
      }
      break;
    case v1::QueryNode::kPrefix:
      for (const v1::FieldTerm& expansion : node.prefix().expansions()) {
        visit(expansion.field(), expansion.term(), excluded);
      }
      break;
    case v1::QueryNode::kBoolean:
      for (const v1::BooleanClause& clause : node.boolean().clauses()) {
        VisitNode(clause.node(), excluded || clause.occur() == v1::OCCUR_MUST_NOT, visit);
      }
      break;
    case v1::QueryNode::kFilter:
    case v1::QueryNode::KIND_NOT_SET:
      break;
  }
}

}  // namespace plan_terms_internal

template <typename Visit>
void ForEachPlanTerm(const v1::QueryPlan& plan, Visit visit) {
  if (plan.has_root()) {
    plan_terms_internal::VisitNode(plan.root(), /*excluded=*/false, visit);
    return;
  }
  for (const v1::TermClause& clause : plan.clauses()) {
    plan_terms_internal::VisitForms(clause, clause.field(),
                                    clause.occur() == v1::OCCUR_MUST_NOT, visit);
  }
}

// Calls `visit(field, term)` for the (field, term) pairs whose statistics a
// plan needs, each once, in plan order: every form of every term-like leaf
// (the shards score a group with the largest global df among its forms); a
// field-less form asks for TITLE and BODY. `term` refers into `plan`.
template <typename Visit>
void ForEachStatTerm(const v1::QueryPlan& plan, Visit visit) {
  // The plan owns the terms, so the set only points at them.
  absl::flat_hash_set<std::pair<int, absl::string_view>> seen;
  auto add = [&](v1::Field field, const std::string& term) {
    if (seen.insert({static_cast<int>(field), absl::string_view(term)}).second) {
      visit(field, term);
    }
  };
  ForEachPlanTerm(plan, [&](v1::Field field, const std::string& term, bool) {
    if (field == v1::FIELD_UNSPECIFIED) {
      add(v1::FIELD_TITLE, term);
      add(v1::FIELD_BODY, term);
    } else {
      add(field, term);
    }
  });
}

// ForEachStatTerm's pairs as FieldTerm messages: loupe-query sends them as
// TermStats; loupe-index reads them itself for a search with local
// statistics (ForEachStatTerm).
inline std::vector<v1::FieldTerm> StatTermsForPlan(const v1::QueryPlan& plan) {
  std::vector<v1::FieldTerm> terms;
  ForEachStatTerm(plan, [&](v1::Field field, const std::string& term) {
    v1::FieldTerm& field_term = terms.emplace_back();
    field_term.set_field(field);
    field_term.set_term(term);
  });
  return terms;
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_QUERY_PLAN_TERMS_H_
