// Query trees on a real one-shard engine: phrases with positions (stop-word
// gaps included), keyword and date filters, boolean occurs, prefix
// expansion through TermStats, date sorting with a search_after cursor, and
// metadata removal on update.
#include "services/index/query_evaluator.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/query_plan_terms.h"
#include "services/index/index_engine.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::ApplyRequestFor;
using ::loupe::testing_util::TempDir;
using ::loupe::testing_util::Upsert;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

v1::Operation Doc(uint64_t sequence, const std::string& id, const std::string& title,
                  const std::string& body, const std::string& lang, const std::string& source,
                  int64_t date, const std::string& tag_value = "") {
  v1::Operation op = Upsert(sequence, id, title, body, 1, lang);
  v1::Document* document = op.mutable_upsert()->mutable_document();
  document->set_source(source);
  if (date != 0) document->mutable_published_at()->set_seconds(date);
  if (!tag_value.empty()) (*document->mutable_tags())["Topic"] = tag_value;
  return op;
}

v1::QueryNode Term(const std::string& term, v1::Field field = v1::FIELD_UNSPECIFIED) {
  v1::QueryNode node;
  node.mutable_term()->set_term(term);
  node.mutable_term()->set_field(field);
  return node;
}

v1::QueryNode Phrase(const std::vector<std::string>& words, const std::vector<uint32_t>& offsets) {
  v1::QueryNode node;
  for (const std::string& word : words) node.mutable_phrase()->add_words()->set_term(word);
  for (uint32_t offset : offsets) node.mutable_phrase()->add_offsets(offset);
  return node;
}

v1::QueryNode Keyword(v1::Field field, const std::string& value) {
  v1::QueryNode node;
  node.mutable_filter()->mutable_keyword()->set_field(field);
  node.mutable_filter()->mutable_keyword()->set_value(value);
  return node;
}

v1::QueryNode Dates(int64_t min, int64_t max) {
  v1::QueryNode node;
  node.mutable_filter()->mutable_date()->set_min_seconds(min);
  node.mutable_filter()->mutable_date()->set_max_seconds(max);
  return node;
}

v1::QueryNode Bool(const std::vector<std::pair<v1::Occur, v1::QueryNode>>& clauses) {
  v1::QueryNode node;
  for (const auto& [occur, child] : clauses) {
    v1::BooleanClause* clause = node.mutable_boolean()->add_clauses();
    clause->set_occur(occur);
    *clause->mutable_node() = child;
  }
  return node;
}

class QueryEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IndexEngineOptions options;
    absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
        IndexEngine::Open(dir_.path(), options, RocksOptions{});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    ASSERT_TRUE(engine_
                    ->Apply(ApplyRequestFor(
                        0, 1,
                        {Doc(1, "fr", "Réforme", "la réforme des retraites", "fr", "LeMonde", 300,
                             "Politics"),
                         Doc(2, "en", "Bank", "bank of america and the bank", "en", "bbc", 100,
                             "finance"),
                         Doc(3, "und", "Note", "america bank retraites", "und", "bbc", 0),
                         Doc(4, "late", "Bank", "bank bank bank", "und", "afp", 200)}))
                    .ok());
  }

  // Searches `root` with statistics from this shard (the single shard).
  std::vector<std::string> Search(const v1::QueryNode& root,
                                  v1::HitOrder order = v1::HIT_ORDER_SCORE,
                                  const v1::HitKey* after = nullptr, uint32_t limit = 10,
                                  uint64_t* total = nullptr) {
    v1::ShardSearchRequest request;
    *request.mutable_plan()->mutable_root() = root;
    request.set_limit(limit);
    request.set_order(order);
    if (after != nullptr) *request.mutable_search_after() = *after;
    v1::TermStatsRequest stats;
    ForEachPlanTerm(request.plan(), [&](v1::Field field, const std::string& term, bool) {
      for (v1::Field f : {v1::FIELD_TITLE, v1::FIELD_BODY}) {
        if (field != v1::FIELD_UNSPECIFIED && field != f) continue;
        v1::FieldTerm* entry = stats.add_terms();
        entry->set_field(f);
        entry->set_term(term);
      }
    });
    absl::StatusOr<v1::TermStatsResponse> answer = engine_->TermStats(stats);
    EXPECT_TRUE(answer.ok()) << answer.status();
    *request.mutable_stat_terms() = stats.terms();
    *request.mutable_stat_document_frequencies() = answer->document_frequencies();
    *request.mutable_global_stats() = answer->collection();
    last_request_ = request;
    absl::StatusOr<v1::ShardSearchResponse> response = engine_->Search(request);
    last_response_ = response.ok() ? *response : v1::ShardSearchResponse();
    EXPECT_TRUE(response.ok()) << response.status();
    if (total != nullptr) *total = response->total_hits();
    std::vector<std::string> ids;
    for (const v1::ShardHit& hit : response->hits()) {
      ids.push_back(hit.id());
      last_hit_ = hit;
    }
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<IndexEngine> engine_;
  v1::ShardHit last_hit_;
  v1::ShardSearchRequest last_request_;
  v1::ShardSearchResponse last_response_;
};

TEST_F(QueryEvaluatorTest, PhrasesNeedConsecutivePositionsAndStopWordsKeepTheirs) {
  // French: "des" is a stop word; réforme -> reform, retraites -> retrait.
  EXPECT_THAT(Search(Phrase({"reform", "retrait"}, {0, 2})), ElementsAre("fr"));
  EXPECT_THAT(Search(Phrase({"reform", "retrait"}, {0, 1})), ElementsAre());
  // English analysis keeps "of"? It is a stop word: america is 2 after bank.
  EXPECT_THAT(Search(Phrase({"bank", "america"}, {0, 2})), ElementsAre("en"));
  EXPECT_THAT(Search(Phrase({"america", "bank"}, {0, 1})), ElementsAre("und"));
  EXPECT_THAT(Search(Phrase({"bank", "bank"}, {0, 1})), ElementsAre("late"));
}

TEST_F(QueryEvaluatorTest, FiltersRestrictWithoutScoring) {
  const v1::QueryNode bank = Term("bank");
  const auto scored = Search(bank);
  EXPECT_THAT(scored, ElementsAre("late", "en", "und"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_SHOULD, bank},
                           {v1::OCCUR_FILTER, Keyword(v1::FIELD_SOURCE, "bbc")}})),
              ElementsAre("en", "und"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Keyword(v1::FIELD_SOURCE, "lemonde")}})),
              ElementsAre("fr"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Keyword(v1::FIELD_LANG, "en")}})),
              ElementsAre("en"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Keyword(v1::FIELD_TAG, "v:topic=politics")}})),
              ElementsAre("fr"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Keyword(v1::FIELD_TAG, "k:topic")}})),
              UnorderedElementsAre("fr", "en"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_SHOULD, bank}, {v1::OCCUR_FILTER, Dates(150, 250)}})),
              ElementsAre("late"));
  // A document without a date never matches a date filter.
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Dates(-1000000, 1000000)}})),
              UnorderedElementsAre("fr", "en", "late"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_SHOULD, bank},
                           {v1::OCCUR_MUST_NOT, Keyword(v1::FIELD_SOURCE, "afp")}})),
              ElementsAre("en", "und"));
}

TEST_F(QueryEvaluatorTest, NestedBooleans) {
  // (bank AND america) OR retrait
  const v1::QueryNode both =
      Bool({{v1::OCCUR_MUST, Term("bank")}, {v1::OCCUR_MUST, Term("america")}});
  EXPECT_THAT(Search(Bool({{v1::OCCUR_SHOULD, both}, {v1::OCCUR_SHOULD, Term("retraites")}})),
              UnorderedElementsAre("en", "und"));
}

TEST_F(QueryEvaluatorTest, DateOrderAndSearchAfterPageWithoutGapsOrRepeats) {
  const v1::QueryNode all = Bool({{v1::OCCUR_SHOULD, Term("bank")},
                                  {v1::OCCUR_SHOULD, Term("reform")},
                                  {v1::OCCUR_SHOULD, Term("retraites")}});
  uint64_t total = 0;
  EXPECT_THAT(Search(all, v1::HIT_ORDER_DATE_DESC, nullptr, 10, &total),
              ElementsAre("fr", "late", "en", "und"));
  EXPECT_EQ(total, 4u);
  EXPECT_THAT(Search(all, v1::HIT_ORDER_DATE_ASC), ElementsAre("und", "en", "late", "fr"));
  std::vector<std::string> paged;
  v1::HitKey after;
  for (int page = 0; page < 4; ++page) {
    std::vector<std::string> ids =
        Search(all, v1::HIT_ORDER_DATE_DESC, page == 0 ? nullptr : &after, 1, &total);
    EXPECT_EQ(total, 4u);  // every match, not only those after the cursor
    ASSERT_EQ(ids.size(), 1u);
    paged.push_back(ids[0]);
    after.set_score(last_hit_.score());
    after.set_date_seconds(last_hit_.date_seconds());
    after.set_id(last_hit_.id());
  }
  EXPECT_THAT(paged, ElementsAre("fr", "late", "en", "und"));
  EXPECT_THAT(Search(all, v1::HIT_ORDER_DATE_DESC, &after, 1), ElementsAre());
  // Relevance order with a cursor.
  const std::vector<std::string> best = Search(Term("bank"), v1::HIT_ORDER_SCORE, nullptr, 1);
  after.set_score(last_hit_.score());
  after.set_id(last_hit_.id());
  EXPECT_THAT(Search(Term("bank"), v1::HIT_ORDER_SCORE, &after), ElementsAre("en", "und"));
}

TEST_F(QueryEvaluatorTest, PrefixesExpandThroughTermStats) {
  v1::TermStatsRequest request;
  v1::FieldTerm* prefix = request.add_prefixes();
  prefix->set_field(v1::FIELD_BODY);
  prefix->set_term("ba");
  request.set_max_prefix_expansions(5);
  absl::StatusOr<v1::TermStatsResponse> stats = engine_->TermStats(request);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_EQ(stats->prefix_expansions_size(), 1);
  EXPECT_THAT(stats->prefix_expansions(0).terms(), ElementsAre("bank"));
  EXPECT_THAT(stats->prefix_expansions(0).document_frequencies(), ElementsAre(3));
  request.mutable_prefixes(0)->set_term("re");  // reform, retrait, retraites
  request.set_max_prefix_expansions(1);
  stats = engine_->TermStats(request);
  ASSERT_TRUE(stats.ok());
  EXPECT_TRUE(stats->prefix_expansions(0).truncated());

  v1::QueryNode node;
  node.mutable_prefix()->set_prefix("ba");
  v1::FieldTerm* expansion = node.mutable_prefix()->add_expansions();
  expansion->set_field(v1::FIELD_BODY);
  expansion->set_term("bank");
  EXPECT_THAT(Search(node), ElementsAre("late", "en", "und"));
}

TEST_F(QueryEvaluatorTest, UpdatesAndDeletesRemoveMetadata) {
  ASSERT_TRUE(engine_
                  ->Apply(ApplyRequestFor(0, 1,
                                          {Doc(5, "en", "Bank", "bank", "en", "reuters", 500),
                                           testing_util::Delete(6, "fr")}))
                  .ok());
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Keyword(v1::FIELD_SOURCE, "bbc")}})),
              ElementsAre("und"));
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Keyword(v1::FIELD_TAG, "k:topic")}})),
              ElementsAre());
  EXPECT_THAT(Search(Bool({{v1::OCCUR_FILTER, Dates(0, 1000)}}), v1::HIT_ORDER_DATE_DESC),
              ElementsAre("en", "late"));
}

TEST_F(QueryEvaluatorTest, ExplainComponentsSumToTheSearchScore) {
  // A boosted boolean inside a tree, a field-less term (title and body), a
  // phrase, and a SHOULD branch that does not match "late".
  v1::QueryNode boosted = Bool({{v1::OCCUR_SHOULD, Term("bank")},
                                {v1::OCCUR_SHOULD, Phrase({"bank", "bank"}, {0, 1})}});
  boosted.mutable_boolean()->set_boost(2.5f);
  v1::QueryNode unmatched = Bool({{v1::OCCUR_MUST, Term("bank")}, {v1::OCCUR_MUST, Term("zzz")}});
  const v1::QueryNode root = Bool({{v1::OCCUR_MUST, boosted},
                                   {v1::OCCUR_SHOULD, Term("america", v1::FIELD_BODY)},
                                   {v1::OCCUR_SHOULD, unmatched}});
  ASSERT_FALSE(Search(root).empty());
  for (const v1::ShardHit& hit : last_response_.hits()) {
    v1::ShardExplainRequest request;
    *request.mutable_search() = last_request_;
    request.set_id(hit.id());
    absl::StatusOr<v1::ShardExplainResponse> explained = engine_->Explain(request);
    ASSERT_TRUE(explained.ok()) << explained.status();
    EXPECT_TRUE(explained->found());
    EXPECT_TRUE(explained->matches());
    EXPECT_EQ(explained->score(), hit.score()) << hit.id();
    double sum = 0;
    for (const v1::ScoreComponent& component : explained->components()) {
      sum += component.score();
      EXPECT_GT(component.tf(), 0u);
      EXPECT_GT(component.idf(), 0);
      // Nothing from the branch that needs "zzz".
      EXPECT_EQ(component.terms().find("zzz"), std::string::npos);
    }
    EXPECT_NEAR(sum, hit.score(), 1e-9 * hit.score()) << hit.id();
    if (hit.id() == "late") {
      // bank in title and body, and the phrase "bank bank" in the body, all boosted.
      ASSERT_EQ(explained->components_size(), 3);
      EXPECT_EQ(explained->components(0).field(), v1::FIELD_TITLE);
      EXPECT_EQ(explained->components(0).weight(), 2.5 * 0.5);
      EXPECT_EQ(explained->components(1).tf(), 3u);
      EXPECT_EQ(explained->components(2).terms(), "\"bank bank\"");
      EXPECT_EQ(explained->components(2).tf(), 2u);
    }
  }
  v1::ShardExplainRequest request;
  *request.mutable_search() = last_request_;
  request.set_id("fr");  // Exists, does not match.
  absl::StatusOr<v1::ShardExplainResponse> explained = engine_->Explain(request);
  ASSERT_TRUE(explained.ok());
  EXPECT_TRUE(explained->found());
  EXPECT_FALSE(explained->matches());
  EXPECT_EQ(explained->components_size(), 0);
  request.set_id("nope");
  explained = engine_->Explain(request);
  ASSERT_TRUE(explained.ok());
  EXPECT_FALSE(explained->found());
}

TEST_F(QueryEvaluatorTest, MalformedTreesAreInvalidArguments) {
  v1::ShardSearchRequest request;
  request.set_limit(10);
  *request.mutable_plan()->mutable_root() = Phrase({"a", "b"}, {0, 0});
  EXPECT_EQ(engine_->Search(request).status().code(), absl::StatusCode::kInvalidArgument);
  *request.mutable_plan()->mutable_root() = Keyword(v1::FIELD_TITLE, "x");
  EXPECT_EQ(engine_->Search(request).status().code(), absl::StatusCode::kInvalidArgument);
  v1::QueryNode deep = Term("x");
  for (int i = 0; i < kMaxQueryDepth + 1; ++i) deep = Bool({{v1::OCCUR_FILTER, deep}});
  *request.mutable_plan()->mutable_root() = deep;
  EXPECT_EQ(engine_->Search(request).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe
