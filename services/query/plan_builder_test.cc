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

// With proximity phrases of boost `boost`; lang "und" (one form per word)
// unless given ("" = the default languages).
absl::StatusOr<loupe::v1::QueryPlan> BuildNear(absl::string_view query, float boost = 0.2f,
                                               size_t max_clauses = 64,
                                               absl::string_view lang = "und") {
  absl::StatusOr<ParsedQuery> parsed = ParseQuery(query, QueryParserLimits{});
  if (!parsed.ok()) return parsed.status();
  PlanRanking ranking;
  ranking.proximity_boost = boost;
  return PlanBuilder(max_clauses, DefaultQueryLanguages(), ranking).Build(*parsed, lang);
}

TEST(PlanBuilderTest, AdjacentWordsGetAProximityPhrase) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = BuildNear("deep seek model");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("deep/0/0/1", "seek/0/0/1", "model/0/0/1",
                          "phrase(deep@0 seek@1)/0/0/0.2", "phrase(seek@0 model@1)/0/0/0.2"));
  // Off by default.
  plan = BuildIn("deep seek model", "und");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("deep/0/0/1", "seek/0/0/1", "model/0/0/1"));
  // The words of one multi-token term are adjacent too; every form is kept.
  plan = BuildNear("open-source running", 0.5f, 64, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("open/0/0/1", "sourc[source]/0/0/1", "run[running]/0/0/1",
                          "phrase(open@0 sourc[source]@1)/0/0/0.5",
                          "phrase(sourc[source]@0 run[running]@1)/0/0/0.5"));
}

TEST(PlanBuilderTest, ProximityPhraseSkipsTheDroppedStopWords) {
  // "of" and "the" keep their positions, as they do in the index.
  absl::StatusOr<loupe::v1::QueryPlan> plan = BuildNear("bank of america", 0.2f, 64, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("bank/0/0/1", "america[americ]/0/0/1",
                                          "phrase(bank@0 america[americ]@2)/0/0/0.2"));
  plan = BuildNear("bank of the america", 0.2f, 64, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("bank/0/0/1", "america[americ]/0/0/1",
                                          "phrase(bank@0 america[americ]@3)/0/0/0.2"));
  // Beyond kMaxProximityGap: no pair.
  plan = BuildNear("bank of the and america", 0.2f, 64, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("bank/0/0/1", "america[americ]/0/0/1"));
}

TEST(PlanBuilderTest, ProximityLeavesRequiredWordsPhrasesAndScopesAlone) {
  // Each of these plans is the same with and without proximity.
  for (absl::string_view query :
       {"+deep +seek", "deep AND seek", "\"deep seek\"", "\"deep seek\" model",
        "deep \"seek model\"", "deep -seek", "title:deep body:seek", "deep* seek",
        "deep source:bbc", "deep -x", "deep"}) {
    absl::StatusOr<loupe::v1::QueryPlan> near = BuildNear(query);
    absl::StatusOr<loupe::v1::QueryPlan> plain = BuildIn(query, "und");
    ASSERT_TRUE(near.ok()) << query << ": " << near.status();
    ASSERT_TRUE(plain.ok()) << query << ": " << plain.status();
    EXPECT_EQ(Summary(*near), Summary(*plain)) << query;
  }
  // Words with the same scope pair, in that scope; a required word between
  // two optional ones breaks the chain.
  absl::StatusOr<loupe::v1::QueryPlan> plan = BuildNear("title:deep title:seek +model x");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("deep/1/0/1", "seek/1/0/1", "model/0/1/1", "x/0/0/1",
                                          "phrase(deep@0 seek@1)/1/0/0.2"));
}

TEST(PlanBuilderTest, ProximityInsideGroupsBoostsAndRepeats) {
  // A nested group pairs its own words; the group and `model` do not pair.
  // An optional group is then inlined (plan_rewrite.h); a boosted one stays.
  absl::StatusOr<loupe::v1::QueryPlan> plan = BuildNear("(deep seek) model");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("deep/0/0/1", "seek/0/0/1",
                                          "phrase(deep@0 seek@1)/0/0/0.2", "model/0/0/1"));
  plan = BuildNear("(deep seek)^2 model");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("bool(3)/0/2", "model/0/0/1"));
  loupe::v1::QueryPlan nested;
  *nested.mutable_root() = plan->root().boolean().clauses(0).node();
  EXPECT_THAT(Summary(nested), ElementsAre("deep/0/0/1", "seek/0/0/1",
                                           "phrase(deep@0 seek@1)/0/0/0.2"));
  // Required or excluded groups keep their meaning: never inlined.
  plan = BuildNear("+(deep seek) model");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("bool(3)/1/1", "model/0/0/1"));
  // The smaller boost of the two words; a repeated pair once, largest boost.
  plan = BuildNear("deep^2 seek^3 deep seek");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("deep/0/0/2", "seek/0/0/3", "phrase(deep@0 seek@1)/0/0/0.4",
                          "phrase(seek@0 deep@1)/0/0/0.2"));
}

TEST(PlanBuilderTest, ProximityPhrasesDoNotCountAgainstTheClauseLimit) {
  absl::StatusOr<loupe::v1::QueryPlan> plan = BuildNear("p q r", 0.2f, /*max_clauses=*/3);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->root().boolean().clauses_size(), 5);
  plan = BuildNear("p q r s", 0.2f, /*max_clauses=*/3);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("too many clauses after analysis"));
}

absl::StatusOr<loupe::v1::QueryPlan> BuildRanked(absl::string_view query,
                                                 const PlanRanking& ranking) {
  absl::StatusOr<ParsedQuery> parsed = ParseQuery(query, QueryParserLimits{});
  if (!parsed.ok()) return parsed.status();
  return PlanBuilder(64, DefaultQueryLanguages(), ranking).Build(*parsed);
}

TEST(PlanBuilderTest, StemmedFormsOnlyDropsTheUnstemmedForm) {
  PlanRanking ranking;
  ranking.stemmed_forms_only = true;
  // "running": en run, fr running (kept: a stemmed language's form);
  // "Élysée": en elyse, fr elys, und elysee (dropped); "palace": en and fr
  // palac, und palace (dropped); "nvidia" keeps its en form nvidia (also
  // its und form) and its fr form nvidi.
  absl::StatusOr<loupe::v1::QueryPlan> plan =
      BuildRanked("running \"Élysée palace\" Nvidia", ranking);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("run[running]/0/0/1",
                                          "phrase(elyse[elys]@0 palac@1)/0/0/1",
                                          "nvidia[nvidi]/0/0/1"));
  // Only stop words, planned again unfiltered: "the" keeps the forms it has.
  plan = BuildRanked("the", ranking);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("the/0/0/1"));
  // In one language nothing changes.
  absl::StatusOr<ParsedQuery> parsed = ParseQuery("Élysée", QueryParserLimits{});
  ASSERT_TRUE(parsed.ok());
  plan = PlanBuilder(64, {"und"}, ranking).Build(*parsed);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("elysee/0/0/1"));
}

TEST(PlanBuilderTest, ProximityBodyOnlyKeepsAnExplicitScope) {
  PlanRanking ranking;
  ranking.proximity_boost = 0.5f;
  ranking.proximity_body_only = true;
  absl::StatusOr<loupe::v1::QueryPlan> plan =
      BuildRanked("deep seek title:model title:card", ranking);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan),
              ElementsAre("deep/0/0/1", "seek/0/0/1", "model/1/0/1", "card/1/0/1",
                          "phrase(deep@0 seek@1)/2/0/0.5", "phrase(model@0 card@1)/1/0/0.5"));
}

TEST(PlanBuilderTest, RepeatedWordsAddUpTheirBoosts) {
  PlanRanking ranking;
  ranking.repeated_words_add_up = true;
  absl::StatusOr<loupe::v1::QueryPlan> plan =
      BuildRanked("nvidia NVIDIA^3 title:nvidia nvidia", ranking);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Summary(*plan), ElementsAre("nvidia[nvidi]/0/0/5", "nvidia[nvidi]/1/0/1"));
}

}  // namespace
}  // namespace loupe::query
