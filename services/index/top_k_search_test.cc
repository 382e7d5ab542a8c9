// Property test of the pruned top-k (top_k_search.h): on a random corpus
// with updates and deletes (lists of several blocks, removals inside sealed
// blocks), random keyword queries must return exactly the hits and the
// bit-identical scores of the exhaustive evaluator, whatever the pruning
// threshold, and an exact total whenever the shard says it is exact.
#include "services/index/top_k_search.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/query_plan_terms.h"
#include "services/index/index_engine.h"
#include "services/index/term_clause.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::ApplyRequestFor;
using ::loupe::testing_util::Delete;
using ::loupe::testing_util::TempDir;
using ::loupe::testing_util::Upsert;

constexpr int kVocabulary = 120;

std::string RandomText(std::mt19937& random, int min_words, int max_words) {
  // Zipf-like: word k with weight 1 / (k + 1).
  static const std::vector<double> weights = [] {
    std::vector<double> w;
    for (int k = 0; k < kVocabulary; ++k) w.push_back(1.0 / (k + 1));
    return w;
  }();
  std::discrete_distribution<int> word(weights.begin(), weights.end());
  const int count = min_words + static_cast<int>(random() % (max_words - min_words + 1));
  std::string text;
  for (int i = 0; i < count; ++i) absl::StrAppend(&text, i ? " " : "", "w", word(random));
  return text;
}

class TopKSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
        IndexEngine::Open(dir_.path(), IndexEngineOptions{}, RocksOptions{});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    std::mt19937 random(42);
    uint64_t sequence = 0;
    constexpr int kDocuments = 2500;
    for (int batch = 0; batch < 25; ++batch) {
      std::vector<v1::Operation> operations;
      for (int i = 0; i < kDocuments / 25; ++i) {
        const int n = batch * (kDocuments / 25) + i;
        operations.push_back(Upsert(++sequence, absl::StrCat("d", n), RandomText(random, 1, 6),
                                    RandomText(random, 3, 120)));
      }
      // Rewrite and delete some older documents: removals from sealed
      // blocks and tails, new docids at the end.
      for (int i = 0; i < 8 && batch > 0; ++i) {
        const std::string id = absl::StrCat("d", random() % (batch * (kDocuments / 25)));
        if (i % 2 == 0) {
          operations.push_back(Delete(++sequence, id));
        } else {
          operations.push_back(Upsert(++sequence, id, RandomText(random, 1, 6),
                                      RandomText(random, 3, 120), /*version=*/2 + batch));
        }
      }
      ASSERT_TRUE(engine_->Apply(ApplyRequestFor(0, 1, operations)).ok());
    }
  }

  v1::ShardSearchRequest RequestFor(const v1::QueryNode& root, uint32_t limit) {
    v1::ShardSearchRequest request;
    *request.mutable_plan()->mutable_root() = root;
    request.set_limit(limit);
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
    return request;
  }

  // Searches `root` exhaustively, then pruned at three thresholds, and
  // expects the same hits with bit-identical scores; counts the pruned runs.
  void ExpectPrunedEqualsExhaustive(const v1::QueryNode& root, uint32_t limit,
                                    const std::string& what, int* pruned_runs) {
    // Exhaustive: a facet request makes the shard evaluate set at a time.
    v1::ShardSearchRequest exhaustive = RequestFor(root, limit);
    exhaustive.add_facets()->set_kind(v1::FACET_KIND_SOURCE);
    absl::StatusOr<v1::ShardSearchResponse> expected = engine_->Search(exhaustive);
    ASSERT_TRUE(expected.ok()) << expected.status();
    for (uint32_t threshold : {1u, 100u, 1000000u}) {
      v1::ShardSearchRequest request = RequestFor(root, limit);
      request.set_total_hits_threshold(threshold);
      absl::StatusOr<v1::ShardSearchResponse> actual = engine_->Search(request);
      ASSERT_TRUE(actual.ok()) << actual.status();
      const std::string context = absl::StrCat(what, " ", root.ShortDebugString(), " limit ",
                                               limit, " threshold ", threshold);
      ASSERT_EQ(actual->hits_size(), expected->hits_size()) << context;
      for (int i = 0; i < actual->hits_size(); ++i) {
        EXPECT_EQ(actual->hits(i).id(), expected->hits(i).id()) << context << " rank " << i;
        EXPECT_EQ(actual->hits(i).score(), expected->hits(i).score()) << context << " rank " << i;
      }
      if (actual->total_hits_is_lower_bound()) {
        EXPECT_LE(actual->total_hits(), expected->total_hits()) << context;
        ++*pruned_runs;
      } else {
        EXPECT_EQ(actual->total_hits(), expected->total_hits()) << context;
      }
      if (threshold == 1000000u) {
        EXPECT_FALSE(actual->total_hits_is_lower_bound()) << context;
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<IndexEngine> engine_;
};

// The shape of RandomQuery's plans: how many clauses, and whether MUST
// clauses may come (without them, the plan is a disjunction).
struct QueryShape {
  int min_clauses = 1;
  int max_clauses = 6;
  bool disjunction = false;
};

v1::QueryNode RandomQuery(std::mt19937& random, const QueryShape& shape = {}) {
  v1::QueryNode root;
  v1::BooleanQuery* boolean = root.mutable_boolean();
  const float boolean_boosts[] = {0, 1, 0.7f, 3};
  boolean->set_boost(boolean_boosts[random() % 4]);
  const int clauses = shape.min_clauses + static_cast<int>(random() % (shape.max_clauses -
                                                                         shape.min_clauses + 1));
  for (int c = 0; c < clauses; ++c) {
    v1::BooleanClause* clause = boolean->add_clauses();
    const int occur = static_cast<int>(random() % 10);
    if (shape.disjunction) {
      clause->set_occur(occur < 9 ? v1::OCCUR_SHOULD : v1::OCCUR_MUST_NOT);
    } else {
      clause->set_occur(occur < 7 ? v1::OCCUR_SHOULD : occur < 9 ? v1::OCCUR_MUST
                                                                 : v1::OCCUR_MUST_NOT);
    }
    if (random() % 5 == 0) {
      // A phrase of 1 to 3 frequent words (short lists of candidates with
      // real position checks), sometimes with a gap or an alternative.
      v1::PhraseClause* phrase = clause->mutable_node()->mutable_phrase();
      const int words = 1 + static_cast<int>(random() % 3);
      uint32_t offset = 0;
      for (int w = 0; w < words; ++w) {
        v1::TermClause* word = phrase->add_words();
        word->set_term(absl::StrCat("w", random() % 6));
        if (random() % 4 == 0) word->add_alternatives(absl::StrCat("w", random() % 6));
        phrase->add_offsets(offset);
        offset += 1 + (random() % 4 == 0 ? 1 : 0);
      }
      const v1::Field phrase_fields[] = {v1::FIELD_UNSPECIFIED, v1::FIELD_BODY, v1::FIELD_TITLE};
      phrase->set_field(phrase_fields[random() % 3]);
      const float phrase_boosts[] = {0, 0.2f, 1.5f};
      phrase->set_boost(phrase_boosts[random() % 3]);
      continue;
    }
    v1::TermClause* term = clause->mutable_node()->mutable_term();
    // Mostly frequent words (long lists), sometimes rare or absent ones.
    const int pick = static_cast<int>(random() % 10);
    term->set_term(pick < 8 ? absl::StrCat("w", random() % 30)
                            : pick < 9 ? absl::StrCat("w", random() % kVocabulary) : "absent");
    for (int a = static_cast<int>(random() % 3); a > 0; --a) {
      term->add_alternatives(absl::StrCat("w", random() % 40));
    }
    const v1::Field fields[] = {v1::FIELD_UNSPECIFIED, v1::FIELD_UNSPECIFIED, v1::FIELD_TITLE,
                                v1::FIELD_BODY};
    term->set_field(fields[random() % 4]);
    const float boosts[] = {0, 0, 0.5f, 2};
    term->set_boost(boosts[random() % 4]);
  }
  // Half of the queries get proximity phrases as loupe-query plans them:
  // SHOULD phrases of two adjacent SHOULD terms' words, which those terms
  // cover (top_k_search.h looks them up only where their term matches).
  if (random() % 2 == 0) {
    const int n = boolean->clauses_size();
    for (int c = 0; c + 1 < n; ++c) {
      const v1::BooleanClause& first = boolean->clauses(c);
      const v1::BooleanClause& second = boolean->clauses(c + 1);
      if (first.occur() != v1::OCCUR_SHOULD || second.occur() != v1::OCCUR_SHOULD ||
          !first.node().has_term() || !second.node().has_term() ||
          first.node().term().field() != second.node().term().field()) {
        continue;
      }
      v1::BooleanClause* clause = boolean->add_clauses();
      clause->set_occur(v1::OCCUR_SHOULD);
      v1::PhraseClause* phrase = clause->mutable_node()->mutable_phrase();
      phrase->set_field(first.node().term().field());
      phrase->set_boost(random() % 2 == 0 ? 0.2f : 1.5f);
      for (const v1::BooleanClause* word : {&first, &second}) {
        *phrase->add_words() = word->node().term();
        phrase->mutable_words(phrase->words_size() - 1)->clear_field();
        phrase->mutable_words(phrase->words_size() - 1)->clear_boost();
      }
      phrase->add_offsets(0);
      phrase->add_offsets(1 + random() % 2);
    }
  }
  return root;
}

v1::TermClause Term(const std::string& term, std::vector<std::string> alternatives,
                    v1::Field field) {
  v1::TermClause clause;
  clause.set_term(term);
  for (std::string& alternative : alternatives) clause.add_alternatives(std::move(alternative));
  clause.set_field(field);
  return clause;
}

TEST(PhraseWithinTermTest, OneWordWithOnlyTheTermsFormsInTheTermsFields) {
  v1::PhraseClause phrase;
  *phrase.add_words() = Term("new", {"nouveau"}, v1::FIELD_UNSPECIFIED);
  *phrase.add_words() = Term("york", {}, v1::FIELD_UNSPECIFIED);
  phrase.add_offsets(0);
  phrase.add_offsets(1);
  EXPECT_TRUE(PhraseWithinTerm(phrase, Term("york", {}, v1::FIELD_UNSPECIFIED)));
  EXPECT_TRUE(PhraseWithinTerm(phrase, Term("nouveau", {"new", "neuf"}, v1::FIELD_UNSPECIFIED)));
  // A form of the word is missing from the term.
  EXPECT_FALSE(PhraseWithinTerm(phrase, Term("new", {}, v1::FIELD_UNSPECIFIED)));
  EXPECT_FALSE(PhraseWithinTerm(phrase, Term("city", {"york2"}, v1::FIELD_UNSPECIFIED)));
  // The term must search every field the phrase does.
  EXPECT_FALSE(PhraseWithinTerm(phrase, Term("york", {}, v1::FIELD_TITLE)));
  phrase.set_field(v1::FIELD_TITLE);
  EXPECT_TRUE(PhraseWithinTerm(phrase, Term("york", {}, v1::FIELD_TITLE)));
  EXPECT_FALSE(PhraseWithinTerm(phrase, Term("york", {}, v1::FIELD_BODY)));
  EXPECT_TRUE(PhraseWithinTerm(phrase, Term("york", {}, v1::FIELD_UNSPECIFIED)));
}

TEST_F(TopKSearchTest, PrunedHitsAndScoresEqualExhaustiveOnes) {
  std::mt19937 random(7);
  int pruned_runs = 0;
  for (int q = 0; q < 300; ++q) {
    const v1::QueryNode root = RandomQuery(random);
    const uint32_t limits[] = {1, 3, 10, 50};
    ExpectPrunedEqualsExhaustive(root, limits[random() % 4], absl::StrCat("query ", q),
                                 &pruned_runs);
  }
  // The test is only worth something if pruning really happened.
  EXPECT_GT(pruned_runs, 100);
}

// Long disjunctions: windows with many essential leads are gathered
// stretch by stretch instead of merged candidate by candidate.
TEST_F(TopKSearchTest, LongDisjunctionsEqualExhaustiveOnes) {
  std::mt19937 random(11);
  int pruned_runs = 0;
  for (int q = 0; q < 60; ++q) {
    const v1::QueryNode root =
        RandomQuery(random, {.min_clauses = 8, .max_clauses = 30, .disjunction = true});
    const uint32_t limits[] = {1, 10, 50};
    ExpectPrunedEqualsExhaustive(root, limits[random() % 3], absl::StrCat("query ", q),
                                 &pruned_runs);
  }
  EXPECT_GT(pruned_runs, 40);
}

// A one-shard collection: the shard's own statistics, read with the term
// records its cursors then reuse, give what loupe-query's TermStats give,
// to the bit, pruned or exhaustive, and in Explain.
TEST_F(TopKSearchTest, LocalStatisticsScoreLikeTermStats) {
  std::mt19937 random(11);
  for (int q = 0; q < 200; ++q) {
    const v1::QueryNode root = RandomQuery(random);
    const uint32_t limit = 1 + static_cast<uint32_t>(random() % 20);
    for (bool exhaustive : {false, true}) {
      v1::ShardSearchRequest global = RequestFor(root, limit);
      v1::ShardSearchRequest local;
      *local.mutable_plan()->mutable_root() = root;
      local.set_limit(limit);
      local.set_local_statistics(true);
      for (v1::ShardSearchRequest* request : {&global, &local}) {
        // A facet request makes the shard evaluate set at a time.
        if (exhaustive) request->add_facets()->set_kind(v1::FACET_KIND_SOURCE);
      }
      absl::StatusOr<v1::ShardSearchResponse> expected = engine_->Search(global);
      absl::StatusOr<v1::ShardSearchResponse> actual = engine_->Search(local);
      ASSERT_TRUE(expected.ok()) << expected.status();
      ASSERT_TRUE(actual.ok()) << actual.status();
      const std::string context = absl::StrCat("query ", q, " ", root.ShortDebugString(),
                                               " limit ", limit, " exhaustive ", exhaustive);
      EXPECT_EQ(actual->total_hits(), expected->total_hits()) << context;
      ASSERT_EQ(actual->hits_size(), expected->hits_size()) << context;
      for (int i = 0; i < actual->hits_size(); ++i) {
        EXPECT_EQ(actual->hits(i).id(), expected->hits(i).id()) << context << " rank " << i;
        EXPECT_EQ(actual->hits(i).score(), expected->hits(i).score()) << context << " rank " << i;
      }
      if (exhaustive || expected->hits_size() == 0) continue;
      v1::ShardExplainRequest explain_global;
      explain_global.set_id(expected->hits(0).id());
      *explain_global.mutable_search() = global;
      v1::ShardExplainRequest explain_local = explain_global;
      *explain_local.mutable_search() = local;
      absl::StatusOr<v1::ShardExplainResponse> explained_global = engine_->Explain(explain_global);
      absl::StatusOr<v1::ShardExplainResponse> explained_local = engine_->Explain(explain_local);
      ASSERT_TRUE(explained_global.ok()) << explained_global.status();
      ASSERT_TRUE(explained_local.ok()) << explained_local.status();
      EXPECT_TRUE(explained_local->matches()) << context;
      EXPECT_EQ(explained_local->score(), explained_global->score()) << context;
    }
  }
}

// A boosted phrase of two frequent words, in a document that has nothing
// else: once the rare word's documents set the entry score, both frequent
// words are below it on their own, but together with their phrase they are
// not, so the partition must keep one of them essential or that document
// is never a candidate.
TEST(TopKPartitionTest, APhraseOfTwoFrequentWordsKeepsThemEssential) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
      IndexEngine::Open(dir.path(), IndexEngineOptions{}, RocksOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::vector<v1::Operation> operations;
  uint64_t sequence = 0;
  // Rare-word documents first: they enter the top first and raise the entry.
  for (int i = 0; i < 3; ++i) {
    operations.push_back(Upsert(++sequence, absl::StrCat("rare-", i), "",
                                "gamma " + std::string(i, 'z') + " filler words here"));
  }
  for (int i = 0; i < 400; ++i) {
    operations.push_back(Upsert(++sequence, absl::StrCat("common-", i), "",
                                i % 2 == 0 ? "alpha filler text" : "beta filler text"));
  }
  operations.push_back(Upsert(++sequence, "phrase", "", "alpha beta alpha beta alpha beta"));
  ASSERT_TRUE((*engine)->Apply(ApplyRequestFor(0, 1, operations)).ok());

  v1::QueryNode root;
  v1::BooleanQuery* boolean = root.mutable_boolean();
  for (const char* word : {"gamma", "alpha", "beta"}) {
    v1::BooleanClause* clause = boolean->add_clauses();
    clause->set_occur(v1::OCCUR_SHOULD);
    clause->mutable_node()->mutable_term()->set_term(word);
  }
  v1::BooleanClause* clause = boolean->add_clauses();
  clause->set_occur(v1::OCCUR_SHOULD);
  v1::PhraseClause* phrase = clause->mutable_node()->mutable_phrase();
  phrase->set_boost(20);
  for (const char* word : {"alpha", "beta"}) phrase->add_words()->set_term(word);
  phrase->add_offsets(0);
  phrase->add_offsets(1);

  for (bool exhaustive : {true, false}) {
    v1::ShardSearchRequest request;
    *request.mutable_plan()->mutable_root() = root;
    request.set_limit(1);
    request.set_local_statistics(true);
    request.set_total_hits_threshold(1);
    if (exhaustive) request.add_facets()->set_kind(v1::FACET_KIND_SOURCE);
    absl::StatusOr<v1::ShardSearchResponse> response = (*engine)->Search(request);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->hits_size(), 1);
    EXPECT_EQ(response->hits(0).id(), "phrase") << (exhaustive ? "exhaustive" : "pruned");
  }
}

TEST_F(TopKSearchTest, OtherPlansAreLeftToTheEvaluator) {
  v1::QueryNode prefix;
  prefix.mutable_prefix()->set_field(v1::FIELD_BODY);
  v1::QueryNode root;
  v1::BooleanClause* clause = root.mutable_boolean()->add_clauses();
  *clause->mutable_node() = prefix;
  v1::ShardSearchRequest request = RequestFor(root, 10);
  ScoringContext scoring;
  HitCollector collector(nullptr, nullptr, nullptr, v1::HIT_ORDER_SCORE, 10, nullptr);
  PostingStore postings(nullptr, nullptr, nullptr);
  absl::StatusOr<std::optional<PrunedCount>> count =
      PrunedTopK(postings, nullptr, scoring, root, 1, &collector);
  ASSERT_TRUE(count.ok());
  EXPECT_FALSE(count->has_value());
  // A scored form without statistics: the evaluator reports it.
  v1::QueryNode term_root;
  v1::BooleanClause* term = term_root.mutable_boolean()->add_clauses();
  term->mutable_node()->mutable_term()->set_term("w1");
  count = PrunedTopK(postings, nullptr, scoring, term_root, 1, &collector);
  ASSERT_TRUE(count.ok());
  EXPECT_FALSE(count->has_value());
}

}  // namespace
}  // namespace loupe
