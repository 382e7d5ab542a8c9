#include "services/query/plan_builder.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace loupe::query {
namespace {

// The analyser's language for query text: the query's language is unknown.
constexpr absl::string_view kQueryLanguage = "und";

loupe::v1::Field ToProtoField(FieldScope field) {
  switch (field) {
    case FieldScope::kTitle:
      return loupe::v1::FIELD_TITLE;
    case FieldScope::kBody:
      return loupe::v1::FIELD_BODY;
    case FieldScope::kAll:
      break;
  }
  return loupe::v1::FIELD_UNSPECIFIED;
}

loupe::v1::Occur ToProtoOccur(const ParsedClause& clause) {
  switch (clause.occur) {
    case Occur::kMustNot:
      return loupe::v1::OCCUR_MUST_NOT;
    case Occur::kMust:
      return loupe::v1::OCCUR_MUST;
    case Occur::kShould:
      break;
  }
  // A phrase's words must all occur (until phrase positions exist).
  return clause.kind == ParsedClause::Kind::kPhrase ? loupe::v1::OCCUR_MUST
                                                    : loupe::v1::OCCUR_SHOULD;
}

}  // namespace

PlanBuilder::PlanBuilder(size_t max_clauses)
    : max_clauses_(max_clauses), analyzer_(MakeDefaultAnalyzer()) {}

absl::StatusOr<loupe::v1::QueryPlan> PlanBuilder::Build(const ParsedQuery& parsed) const {
  loupe::v1::QueryPlan plan;
  // (term, field, occur) -> index of its clause in the plan.
  absl::flat_hash_map<std::tuple<std::string, int, int>, int> seen;
  std::vector<Token> tokens;
  for (const ParsedClause& clause : parsed.clauses) {
    tokens.clear();
    analyzer_->Analyze(clause.text, kQueryLanguage, &tokens);
    const loupe::v1::Field field = ToProtoField(clause.field);
    const loupe::v1::Occur occur = ToProtoOccur(clause);
    for (const Token& token : tokens) {
      auto [it, inserted] = seen.try_emplace(
          std::make_tuple(token.term, static_cast<int>(field), static_cast<int>(occur)),
          plan.clauses_size());
      if (!inserted) {
        auto* existing = plan.mutable_clauses(it->second);
        existing->set_boost(std::max(existing->boost(), clause.boost));
        continue;
      }
      if (static_cast<size_t>(plan.clauses_size()) >= max_clauses_) {
        return absl::InvalidArgumentError(
            absl::StrCat("too many clauses after analysis (the limit is ", max_clauses_,
                         ") at position ", clause.position));
      }
      loupe::v1::TermClause* term = plan.add_clauses();
      term->set_term(token.term);
      term->set_field(field);
      term->set_occur(occur);
      term->set_boost(clause.boost);
    }
  }
  if (!HasScoringClause(plan)) {
    return absl::InvalidArgumentError("the query has no searchable term");
  }
  return plan;
}

bool HasScoringClause(const loupe::v1::QueryPlan& plan) {
  return std::any_of(plan.clauses().begin(), plan.clauses().end(),
                     [](const loupe::v1::TermClause& clause) {
                       return clause.occur() != loupe::v1::OCCUR_MUST_NOT;
                     });
}

}  // namespace loupe::query
