#include "services/query/plan_builder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "term/field/occur/boost", e.g. "open/0/0/1".
std::vector<std::string> Summary(const loupe::v1::QueryPlan& plan) {
  std::vector<std::string> out;
  for (const auto& clause : plan.clauses()) {
    out.push_back(
        absl::StrCat(clause.term(), "/", clause.field(), "/", clause.occur(), "/", clause.boost()));
  }
  return out;
}

absl::StatusOr<loupe::v1::QueryPlan> Build(absl::string_view query, size_t max_clauses = 64) {
  absl::StatusOr<ParsedQuery> parsed = ParseQuery(query, QueryParserLimits{});
  if (!parsed.ok()) return parsed.status();
  return PlanBuilder(max_clauses).Build(*parsed);
}

TEST(PlanBuilderTest, AnalysesTermsWithTheDefaultAnalyzer) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("Président +TITLE:Élysée -Nvidia");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("president/0/0/1", "elysee/1/1/1", "nvidia/0/2/1"));
}

TEST(PlanBuilderTest, MultiTokenWordKeepsOccurFieldAndBoost) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("+body:open-source^2 l'ancien");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("open/2/1/2", "source/2/1/2", "ancien/0/0/1"));
}

TEST(PlanBuilderTest, PhraseWordsBecomeMustClauses) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("\"Deep Seek\"^1.5 x -\"bad news\"");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("deep/0/1/1.5", "seek/0/1/1.5", "x/0/0/1", "bad/0/2/1", "news/0/2/1"));
}

TEST(PlanBuilderTest, MergesDuplicateClausesKeepingTheLargestBoost) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("nvidia NVIDIA^3 title:nvidia nvidia");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("nvidia/0/0/3", "nvidia/1/0/1"));
}

TEST(PlanBuilderTest, NoSearchableTerm) {
  for (absl::string_view query : {"-nvidia -amd", "!!! ...", "\"\"", "-\"a b\" -..."}) {
    absl::StatusOr<loupe::v1::QueryPlan> plan = Build(query);
    ASSERT_FALSE(plan.ok()) << query;
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << query;
    EXPECT_THAT(plan.status().message(), HasSubstr("the query has no searchable term")) << query;
  }
}

TEST(PlanBuilderTest, TooManyClausesAfterAnalysis) {
  EXPECT_TRUE(Build("a-b-c", 3).ok());
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("x a-b-c", 3);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("too many clauses after analysis"));
  EXPECT_THAT(plan.status().message(), HasSubstr("at position 2"));
}

TEST(PlanBuilderTest, HasScoringClause) {
  loupe::v1::QueryPlan plan;
  EXPECT_FALSE(HasScoringClause(plan));
  plan.add_clauses()->set_occur(loupe::v1::OCCUR_MUST_NOT);
  EXPECT_FALSE(HasScoringClause(plan));
  plan.add_clauses()->set_occur(loupe::v1::OCCUR_MUST);
  EXPECT_TRUE(HasScoringClause(plan));
}

}  // namespace
}  // namespace loupe::query
