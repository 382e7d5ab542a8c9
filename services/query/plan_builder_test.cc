#include "services/query/plan_builder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Forms(const loupe::v1::TermClause& clause) {
  std::string forms = clause.term();
  if (clause.alternatives_size() > 0) {
    absl::StrAppend(&forms, "[", absl::StrJoin(clause.alternatives(), ","), "]");
  }
  return forms;
}

// One entry per clause of the root: "term[alternatives]/field/occur/boost"
// (e.g. "run[running]/0/0/1"), "phrase(w1 w2@2)/field/occur/boost",
// "prefix(p)/field/occur", "filter(field=value)/occur" or
// "filter(date)/occur", "bool(n)/occur/boost".
std::vector<std::string> Summary(const loupe::v1::QueryPlan& plan) {
  std::vector<std::string> out;
  for (const auto& clause : plan.root().boolean().clauses()) {
    const loupe::v1::QueryNode& node = clause.node();
    if (node.has_term()) {
      const auto& term = node.term();
      out.push_back(absl::StrCat(Forms(term), "/", term.field(), "/", clause.occur(), "/",
                                 term.boost()));
    } else if (node.has_phrase()) {
      std::vector<std::string> words;
      for (int w = 0; w < node.phrase().words_size(); ++w) {
        words.push_back(absl::StrCat(Forms(node.phrase().words(w)), "@",
                                     node.phrase().offsets(w)));
      }
      out.push_back(absl::StrCat("phrase(", absl::StrJoin(words, " "), ")/",
                                 node.phrase().field(), "/", clause.occur(), "/",
                                 node.phrase().boost()));
    } else if (node.has_prefix()) {
      out.push_back(absl::StrCat("prefix(", node.prefix().prefix(), ")/", node.prefix().field(),
                                 "/", clause.occur()));
    } else if (node.has_filter() && node.filter().has_keyword()) {
      out.push_back(absl::StrCat("filter(", node.filter().keyword().field(), "=",
                                 node.filter().keyword().value(), ")/", clause.occur()));
    } else if (node.has_filter()) {
      out.push_back(absl::StrCat("filter(date)/", clause.occur()));
    } else {
      out.push_back(absl::StrCat("bool(", node.boolean().clauses_size(), ")/", clause.occur(),
                                 "/", node.boolean().boost()));
    }
  }
  return out;
}

// Default query languages (en, fr, und) unless `lang` is given.
absl::StatusOr<loupe::v1::QueryPlan> Build(absl::string_view query, size_t max_clauses = 64,
                                           absl::string_view lang = "") {
  absl::StatusOr<ParsedQuery> parsed = ParseQuery(query, QueryParserLimits{});
  if (!parsed.ok()) return parsed.status();
  return PlanBuilder(max_clauses).Build(*parsed, lang);
}

absl::StatusOr<loupe::v1::QueryPlan> BuildIn(absl::string_view query, absl::string_view lang) {
  return Build(query, 64, lang);
}

TEST(PlanBuilderTest, AnalysesTermsWithTheDefaultAnalyzer) {
  // In one language, as SearchRequest.lang asks: one form per word.
  absl::StatusOr<loupe::v1::QueryPlan> plan = BuildIn("Président +TITLE:Élysée -Nvidia", "und");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("president/0/0/1", "elysee/1/1/1", "nvidia/0/2/1"));
  plan = BuildIn("Président +TITLE:Élysée -Nvidia", "fr");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("president/0/0/1", "elys/1/1/1", "nvidi/0/2/1"));
}

TEST(PlanBuilderTest, EachWordIsOneClauseWithItsFormsInEveryQueryLanguage) {
  // Default languages en, fr, und: forms in that order, duplicates removed.
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("Président +TITLE:Élysée -Nvidia");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("president/0/0/1", "elyse[elys,elysee]/1/1/1",
                                          "nvidia[nvidi]/0/2/1"));
  plan = Build("running réveils");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("run[running]/0/0/1", "reveil[reveils]/0/0/1"));
}

TEST(PlanBuilderTest, ConfiguredLanguagesAndTheirOrder) {
  absl::StatusOr<ParsedQuery> parsed = ParseQuery("running réveils", QueryParserLimits{});
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<loupe::v1::QueryPlan> plan = PlanBuilder(64, {"fr", "en"}).Build(*parsed);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("running[run]/0/0/1", "reveil/0/0/1"));
  // The request's language replaces the list.
  plan = PlanBuilder(64, {"fr", "en"}).Build(*parsed, "en");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("run/0/0/1", "reveil/0/0/1"));
}

TEST(PlanBuilderTest, StopWordsOfAnyQueryLanguageAreDropped) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("les présidents de la république");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("president[presidents]/0/0/1",
                                          "republiqu[republ,republique]/0/0/1"));
  // A phrase leaves a gap where a stop word was: "of" keeps its position.
  plan = Build("\"bank of america\"");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("phrase(bank@0 america[americ]@2)/0/0/1"));
  // In English only, French articles are ordinary words.
  plan = BuildIn("les présidents", "en");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("les/0/0/1", "president/0/0/1"));
}

TEST(PlanBuilderTest, OnlyStopWordsKeepsTheQueryUnfiltered) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("+the");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("the/0/1/1"));
  plan = Build("the -nvidia");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("the/0/0/1", "nvidia[nvidi]/0/2/1"));
  plan = BuildIn("de la", "fr");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("de/0/0/1", "la/0/0/1"));
}

TEST(PlanBuilderTest, MultiTokenWordKeepsOccurFieldAndBoost) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("+body:open-source^2 l'ancien");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("open/2/1/2", "sourc[source]/2/1/2", "l'ancien[ancien]/0/0/1"));
}

TEST(PlanBuilderTest, PhrasesGroupsPrefixesAndFilters) {
  absl::StatusOr<loupe::v1::QueryPlan> plan =
      Build("\"Deep Seek\"^1.5 \"x\" -\"bad news\" (intel OR amd)^2 RÉfor* source:BBC tag:Topic=AI "
            "date>=2025-01-27");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("phrase(deep@0 seek@1)/0/0/1.5", "x/0/0/1",
                          "phrase(bad@0 news[new]@1)/0/2/1", "bool(2)/0/2", "prefix(refor)/0/0",
                          "filter(3=bbc)/3", "filter(5=v:topic=ai)/3", "filter(date)/3"));
}

TEST(PlanBuilderTest, TypedFiltersAreFilterClauses) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("nvidia");
  ASSERT_TRUE(plan.ok());
  loupe::v1::SearchFilters filters;
  filters.add_sources("bbc");
  filters.add_sources("afp");
  filters.add_tags("topic");
  filters.mutable_published_after()->set_seconds(100);
  filters.mutable_published_before()->set_seconds(200);
  ASSERT_TRUE(PlanBuilder::AddTypedFilters(filters, &*plan).ok());
  EXPECT_THAT(Summary(*plan), ElementsAre("nvidia[nvidi]/0/0/1", "bool(2)/3/0",
                                          "filter(5=k:topic)/3", "filter(date)/3"));
  const auto& date = plan->root().boolean().clauses(3).node().filter().date();
  EXPECT_EQ(date.min_seconds(), 100);
  EXPECT_EQ(date.max_seconds(), 199);
  loupe::v1::SearchFilters bad;
  bad.add_tags("=x");
  bad.add_langs(" ");
  absl::Status status = PlanBuilder::AddTypedFilters(bad, &*plan);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(PlanBuilderTest, MergesDuplicateClausesKeepingTheLargestBoost) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("nvidia NVIDIA^3 title:nvidia nvidia");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("nvidia[nvidi]/0/0/3", "nvidia[nvidi]/1/0/1"));
}

TEST(PlanBuilderTest, ParsesQueryLanguages) {
  absl::StatusOr<std::vector<std::string>> languages = ParseQueryLanguages("en, FR ,und");
  ASSERT_TRUE(languages.ok()) << languages.status();
  EXPECT_THAT(*languages, ElementsAre("en", "fr", "und"));
  EXPECT_THAT(DefaultQueryLanguages(), ElementsAre("en", "fr", "und"));
  for (absl::string_view bad : {"", "en,,fr", "en,english", "en,en", "a,b,c,d,e,f,g,h,i"}) {
    EXPECT_FALSE(ParseQueryLanguages(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseQueryLanguages("ab,cd,ef,gh,ij,kl,mn,op").value().size(), kMaxQueryLanguages);
}

TEST(PlanBuilderTest, NoSearchableTerm) {
  // ("-nvidia -amd" and "\"\"" are already refused by the parser.)
  for (absl::string_view query : {"!!! ...", "\"...\"", "... -\"a b\""}) {
    absl::StatusOr<loupe::v1::QueryPlan> plan = Build(query);
    ASSERT_FALSE(plan.ok()) << query;
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << query;
    EXPECT_THAT(plan.status().message(), HasSubstr("the query has no searchable term")) << query;
  }
}

TEST(PlanBuilderTest, TooManyClausesAfterAnalysis) {
  EXPECT_TRUE(Build("p-q-r", 3).ok());
  absl::StatusOr<loupe::v1::QueryPlan> plan = Build("x p-q-r", 3);
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
  // Trees: a filter alone does not score but is positive.
  absl::StatusOr<loupe::v1::QueryPlan> tree = Build("source:bbc -x");
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_FALSE(HasScoringClause(*tree));
  EXPECT_TRUE(HasPositiveClause(*tree));
}


}  // namespace
}  // namespace loupe::query
