// Rewrites of a built query plan that keep its meaning but let the shards
// run it faster.
//
// InlineOptionalGroups: a SHOULD group whose clauses are all SHOULD and
// whose boost is 1 (or unset) matches exactly when one of its clauses does
// and adds their scores, so its clauses can join the enclosing boolean as
// SHOULD clauses. "nvidia (graphics card)" then reaches the shards as one
// flat disjunction, which they rank with dynamic pruning (a nested boolean
// is evaluated set at a time). Scores differ only by floating-point
// rounding of the sum. Applied bottom-up, so nested optional groups flatten
// all the way.
//
//   loupe::v1::QueryPlan plan = ...;  // PlanBuilder::Build
//   InlineOptionalGroups(plan.mutable_root());
#ifndef LOUPE_SERVICES_QUERY_PLAN_REWRITE_H_
#define LOUPE_SERVICES_QUERY_PLAN_REWRITE_H_

#include "loupe/v1/index.pb.h"

namespace loupe::query {

void InlineOptionalGroups(loupe::v1::QueryNode* node);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_PLAN_REWRITE_H_
