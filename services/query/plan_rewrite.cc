#include "services/query/plan_rewrite.h"

#include <utility>

namespace loupe::query {
namespace {

bool UnitBoost(float boost) { return boost == 0.0f || boost == 1.0f; }

// A SHOULD clause holding a boolean of SHOULD clauses only, boost 1.
bool IsInlinable(const loupe::v1::BooleanClause& clause) {
  if (clause.occur() != loupe::v1::OCCUR_SHOULD || !clause.node().has_boolean()) return false;
  const loupe::v1::BooleanQuery& group = clause.node().boolean();
  if (!UnitBoost(group.boost()) || group.clauses_size() == 0) return false;
  for (const loupe::v1::BooleanClause& child : group.clauses()) {
    if (child.occur() != loupe::v1::OCCUR_SHOULD) return false;
  }
  return true;
}

}  // namespace

void InlineOptionalGroups(loupe::v1::QueryNode* node) {
  if (!node->has_boolean()) return;
  loupe::v1::BooleanQuery* boolean = node->mutable_boolean();
  for (loupe::v1::BooleanClause& clause : *boolean->mutable_clauses()) {
    InlineOptionalGroups(clause.mutable_node());
  }
  google::protobuf::RepeatedPtrField<loupe::v1::BooleanClause> flat;
  for (loupe::v1::BooleanClause& clause : *boolean->mutable_clauses()) {
    if (!IsInlinable(clause)) {
      *flat.Add() = std::move(clause);
      continue;
    }
    for (loupe::v1::BooleanClause& child : *clause.mutable_node()->mutable_boolean()->mutable_clauses()) {
      *flat.Add() = std::move(child);
    }
  }
  boolean->mutable_clauses()->Swap(&flat);
}

}  // namespace loupe::query
