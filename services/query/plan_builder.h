// Turns a ParsedQuery into the loupe::v1::QueryPlan that the index shards
// execute: every term and phrase word is analysed with the same analyser the
// shards use at index time (MakeDefaultAnalyzer(), language "und"), so a
// query word meets the indexed term.
//
// Contract:
//  - One word may give several tokens ("open-source" -> open, source); each
//    becomes a clause with the word's occur, field and boost. (For an
//    excluded word this excludes each token; exact exclusion of multi-token
//    words and phrases needs positions, which come with phrase queries.)
//  - A phrase's tokens become MUST clauses (MUST_NOT for an excluded phrase).
//  - Identical (term, field, occur) clauses are merged, keeping the largest
//    boost, so "nvidia nvidia" does not count twice.
//  - INVALID_ARGUMENT "the query has no searchable term" when no clause
//    scores (only excluded words, or only punctuation), and "too many
//    clauses" when analysis yields more than `max_clauses` clauses.
//
//   PlanBuilder builder(/*max_clauses=*/64);
//   absl::StatusOr<loupe::v1::QueryPlan> plan = builder.Build(*ParseQuery("open-source -ai", {}));
//   // plan->clauses: open SHOULD, source SHOULD, ai MUST_NOT (all FIELD_UNSPECIFIED)
#ifndef LOUPE_SERVICES_QUERY_PLAN_BUILDER_H_
#define LOUPE_SERVICES_QUERY_PLAN_BUILDER_H_

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "services/common/analysis/analyzer.h"
#include "services/query/query_parser.h"

namespace loupe::query {

class PlanBuilder {
 public:
  explicit PlanBuilder(size_t max_clauses);

  // Thread-safe.
  absl::StatusOr<loupe::v1::QueryPlan> Build(const ParsedQuery& parsed) const;

 private:
  size_t max_clauses_;
  std::unique_ptr<Analyzer> analyzer_;
};

// True when the plan has at least one SHOULD or MUST clause.
bool HasScoringClause(const loupe::v1::QueryPlan& plan);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_PLAN_BUILDER_H_
