#include "services/index/index_engine.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/hashing.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::ApplyRequestFor;
using ::loupe::testing_util::Clause;
using ::loupe::testing_util::Delete;
using ::loupe::testing_util::OpenSmallEngine;
using ::loupe::testing_util::TempDir;
using ::loupe::testing_util::Upsert;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Hits = std::vector<std::pair<std::string, double>>;

std::unique_ptr<IndexEngine> OpenEngine(const std::string& dir, uint32_t shard_id = 0,
                                        uint32_t shard_count = 1, double title_weight = -1) {
  IndexEngineOptions options;
  options.shard_id = shard_id;
  options.shard_count = shard_count;
  if (title_weight >= 0) options.scoring.title_weight = title_weight;
  return OpenSmallEngine(dir, options);
}

// One clause whose forms are `forms` (term, then alternatives).
v1::TermClause Group(const std::vector<std::string>& forms, v1::Occur occur = v1::OCCUR_SHOULD) {
  v1::TermClause clause = Clause(forms[0], occur);
  for (size_t i = 1; i < forms.size(); ++i) clause.add_alternatives(forms[i]);
  return clause;
}

v1::QueryPlan Plan(const std::vector<v1::TermClause>& clauses) {
  v1::QueryPlan plan;
  for (const v1::TermClause& clause : clauses) *plan.add_clauses() = clause;
  return plan;
}

// What loupe-query does: global stats summed over the shards, then a search
// on every shard and a merge by (score desc, id asc).
struct ClusterResult {
  Hits hits;
  uint64_t total_hits = 0;
};

ClusterResult ClusterSearch(const std::vector<IndexEngine*>& shards, const v1::QueryPlan& plan,
                            uint32_t limit = 100) {
  v1::TermStatsRequest stats_request;
  for (const v1::TermClause& clause : plan.clauses()) {
    if (clause.occur() == v1::OCCUR_MUST_NOT) continue;
    for (v1::Field field : {v1::FIELD_TITLE, v1::FIELD_BODY}) {
      if (clause.field() != v1::FIELD_UNSPECIFIED && clause.field() != field) continue;
      v1::FieldTerm* term = stats_request.add_terms();
      term->set_field(field);
      term->set_term(clause.term());
      for (const std::string& alternative : clause.alternatives()) {
        v1::FieldTerm* form = stats_request.add_terms();
        form->set_field(field);
        form->set_term(alternative);
      }
    }
  }
  v1::ShardSearchRequest request;
  *request.mutable_plan() = plan;
  request.set_limit(limit);
  *request.mutable_stat_terms() = stats_request.terms();
  request.mutable_stat_document_frequencies()->Resize(stats_request.terms_size(), 0);
  uint64_t documents = 0, title_tokens = 0, body_tokens = 0;
  for (IndexEngine* shard : shards) {
    absl::StatusOr<v1::TermStatsResponse> stats = shard->TermStats(stats_request);
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (!stats.ok()) return {};
    documents += stats->collection().document_count();
    for (const v1::FieldStats& field : stats->collection().fields()) {
      (field.field() == v1::FIELD_TITLE ? title_tokens : body_tokens) += field.total_tokens();
    }
    for (int i = 0; i < stats->document_frequencies_size(); ++i) {
      request.set_stat_document_frequencies(
          i, request.stat_document_frequencies(i) + stats->document_frequencies(i));
    }
  }
  request.mutable_global_stats()->set_document_count(documents);
  v1::FieldStats* title = request.mutable_global_stats()->add_fields();
  title->set_field(v1::FIELD_TITLE);
  title->set_total_tokens(title_tokens);
  v1::FieldStats* body = request.mutable_global_stats()->add_fields();
  body->set_field(v1::FIELD_BODY);
  body->set_total_tokens(body_tokens);

  ClusterResult result;
  for (IndexEngine* shard : shards) {
    absl::StatusOr<v1::ShardSearchResponse> response = shard->Search(request);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return {};
    result.total_hits += response->total_hits();
    for (const v1::ShardHit& hit : response->hits()) result.hits.emplace_back(hit.id(), hit.score());
  }
  std::sort(result.hits.begin(), result.hits.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (result.hits.size() > limit) result.hits.resize(limit);
  return result;
}

std::vector<std::string> Ids(const Hits& hits) {
  std::vector<std::string> ids;
  for (const auto& hit : hits) ids.push_back(hit.first);
  return ids;
}

std::vector<std::string> SearchIds(IndexEngine* engine, const std::vector<v1::TermClause>& clauses) {
  return Ids(ClusterSearch({engine}, Plan(clauses)).hits);
}

uint64_t DocumentFrequency(IndexEngine* engine, v1::Field field, const std::string& term) {
  v1::TermStatsRequest request;
  v1::FieldTerm* field_term = request.add_terms();
  field_term->set_field(field);
  field_term->set_term(term);
  absl::StatusOr<v1::TermStatsResponse> response = engine->TermStats(request);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? response->document_frequencies(0) : ~0ULL;
}

v1::InfoResponse Info(IndexEngine* engine) {
  absl::StatusOr<v1::InfoResponse> info = engine->Info();
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? *info : v1::InfoResponse();
}

TEST(IndexEngineTest, SearchWithStatisticsOfAnotherVersionAnswersStale) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "a", "Storm", "storm warning")})).ok());
  v1::TermStatsRequest stats_request;
  stats_request.add_terms()->set_term("storm");
  stats_request.mutable_terms(0)->set_field(v1::FIELD_BODY);
  absl::StatusOr<v1::TermStatsResponse> before = engine->TermStats(stats_request);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_FALSE(before->statistics_version().empty());
  // Same statistics: the same version, and a search that expects it runs.
  absl::StatusOr<v1::TermStatsResponse> again = engine->TermStats(stats_request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->statistics_version(), before->statistics_version());

  v1::TermClause body_storm = Clause("storm");
  body_storm.set_field(v1::FIELD_BODY);
  v1::ShardSearchRequest request;
  *request.mutable_plan() = Plan({body_storm});
  request.set_limit(10);
  *request.mutable_global_stats() = before->collection();
  *request.mutable_stat_terms() = stats_request.terms();
  request.add_stat_document_frequencies(before->document_frequencies(0));
  request.set_expected_statistics_version(before->statistics_version());
  absl::StatusOr<v1::ShardSearchResponse> current = engine->Search(request);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_FALSE(current->stale_statistics());
  EXPECT_EQ(current->hits_size(), 1);

  // A new batch changes the version: the same request searches nothing.
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(2, "b", "Storm", "storm again")})).ok());
  absl::StatusOr<v1::ShardSearchResponse> stale = engine->Search(request);
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_TRUE(stale->stale_statistics());
  EXPECT_EQ(stale->hits_size(), 0);
  absl::StatusOr<v1::TermStatsResponse> after = engine->TermStats(stats_request);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->statistics_version(), before->statistics_version());
  // Without an expected version the shard searches as always.
  request.clear_expected_statistics_version();
  absl::StatusOr<v1::ShardSearchResponse> unchecked = engine->Search(request);
  ASSERT_TRUE(unchecked.ok());
  EXPECT_FALSE(unchecked->stale_statistics());
  EXPECT_EQ(unchecked->hits_size(), 2);
}

TEST(IndexEngineTest, ApplyIsIdempotent) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  const v1::ApplyRequest request =
      ApplyRequestFor(0, 1, {Upsert(1, "a", "Apple pie", "apple banana"),
                             Upsert(2, "b", "Banana bread", "banana cherry"),
                             Upsert(3, "c", "", "cherry apple apple")});
  absl::StatusOr<v1::ApplyResponse> first = engine->Apply(request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied_sequence(), 3u);
  EXPECT_EQ(first->applied(), 3u);
  EXPECT_EQ(first->skipped(), 0u);
  const ClusterResult before = ClusterSearch({engine.get()}, Plan({Clause("apple")}));

  absl::StatusOr<v1::ApplyResponse> again = engine->Apply(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied_sequence(), 3u);
  EXPECT_EQ(again->applied(), 0u);
  EXPECT_EQ(again->skipped(), 3u);

  const ClusterResult after = ClusterSearch({engine.get()}, Plan({Clause("apple")}));
  EXPECT_EQ(before.hits, after.hits);
  EXPECT_THAT(Ids(after.hits), ElementsAre("a", "c"));
  EXPECT_EQ(Info(engine.get()).stats().document_count(), 3u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "apple"), 2u);

  // A batch that overlaps the applied sequence applies only the new part.
  absl::StatusOr<v1::ApplyResponse> overlap = engine->Apply(
      ApplyRequestFor(0, 1, {Upsert(3, "c", "", "ignored"), Upsert(4, "d", "", "durian")}));
  ASSERT_TRUE(overlap.ok()) << overlap.status();
  EXPECT_EQ(overlap->applied(), 1u);
  EXPECT_EQ(overlap->skipped(), 1u);
  EXPECT_EQ(overlap->applied_sequence(), 4u);
  EXPECT_THAT(SearchIds(engine.get(), {Clause("ignored")}), IsEmpty());
}

TEST(IndexEngineTest, UpdateReplacesOldTermsAndKeepsStatsExact) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "a", "Old title", "apple banana"),
                                                   Upsert(2, "b", "", "banana")}))
                  .ok());
  ASSERT_TRUE(
      engine->Apply(ApplyRequestFor(0, 1, {Upsert(3, "a", "New", "cherry cherry", 2)})).ok());

  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple")}), IsEmpty());
  EXPECT_THAT(SearchIds(engine.get(), {Clause("old")}), IsEmpty());
  EXPECT_THAT(SearchIds(engine.get(), {Clause("cherry")}), ElementsAre("a"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("banana")}), ElementsAre("b"));
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "apple"), 0u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "banana"), 1u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "cherry"), 1u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_TITLE, "old"), 0u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_TITLE, "new"), 1u);
  const v1::InfoResponse info = Info(engine.get());
  EXPECT_EQ(info.stats().document_count(), 2u);
  EXPECT_EQ(info.stats().fields(0).total_tokens(), 1u);  // "New"
  EXPECT_EQ(info.stats().fields(1).total_tokens(), 3u);  // "cherry cherry" + "banana"

  // A lower version is ignored (its sequence still counts as applied).
  absl::StatusOr<v1::ApplyResponse> stale =
      engine->Apply(ApplyRequestFor(0, 1, {Upsert(4, "a", "", "durian", 1)}));
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ(stale->applied_sequence(), 4u);
  EXPECT_THAT(SearchIds(engine.get(), {Clause("durian")}), IsEmpty());
  EXPECT_THAT(SearchIds(engine.get(), {Clause("cherry")}), ElementsAre("a"));
}

TEST(IndexEngineTest, RepeatedIdInOneBatchSeesItsOwnWrites) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine
                  ->Apply(ApplyRequestFor(0, 1, {Upsert(1, "a", "", "apple"),
                                                 Upsert(2, "a", "", "banana", 2),
                                                 Upsert(3, "b", "", "banana"), Delete(4, "b"),
                                                 Upsert(5, "c", "", "banana"), Delete(6, "c"),
                                                 Upsert(7, "c", "", "cherry banana", 3)}))
                  .ok());
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "apple"), 0u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "banana"), 2u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "cherry"), 1u);
  EXPECT_THAT(SearchIds(engine.get(), {Clause("banana")}), ElementsAre("a", "c"));
  const v1::InfoResponse info = Info(engine.get());
  EXPECT_EQ(info.stats().document_count(), 2u);
  EXPECT_EQ(info.stats().fields(1).total_tokens(), 3u);
}

TEST(IndexEngineTest, DeleteRemovesDocumentAndAbsentDeleteIsNoOp) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "a", "Apple", "apple pie"),
                                                   Upsert(2, "b", "", "apple tart")}))
                  .ok());
  absl::StatusOr<v1::ApplyResponse> deleted =
      engine->Apply(ApplyRequestFor(0, 1, {Delete(3, "a"), Delete(4, "never-seen")}));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->applied(), 2u);
  EXPECT_EQ(deleted->applied_sequence(), 4u);
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple")}), ElementsAre("b"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("pie")}), IsEmpty());
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_TITLE, "apple"), 0u);
  EXPECT_EQ(DocumentFrequency(engine.get(), v1::FIELD_BODY, "apple"), 1u);
  const v1::InfoResponse info = Info(engine.get());
  EXPECT_EQ(info.stats().document_count(), 1u);
  EXPECT_EQ(info.stats().fields(0).total_tokens(), 0u);
  EXPECT_EQ(info.stats().fields(1).total_tokens(), 2u);

  v1::FetchRequest fetch;
  fetch.add_ids("a");
  fetch.add_ids("b");
  absl::StatusOr<v1::FetchResponse> fetched = engine->Fetch(fetch);
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  ASSERT_EQ(fetched->documents_size(), 1);
  EXPECT_EQ(fetched->documents(0).id(), "b");
}

TEST(IndexEngineTest, PersistsAcrossReopen) {
  TempDir dir;
  ClusterResult before;
  {
    auto engine = OpenEngine(dir.path());
    ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "a", "Apple", "apple pie"),
                                                     Upsert(2, "b", "", "apple tart"),
                                                     Delete(3, "b"),
                                                     Upsert(4, "c", "Cherry", "apple")}))
                    .ok());
    before = ClusterSearch({engine.get()}, Plan({Clause("apple")}));
    ASSERT_EQ(before.hits.size(), 2u);
  }
  auto engine = OpenEngine(dir.path());
  const ClusterResult after = ClusterSearch({engine.get()}, Plan({Clause("apple")}));
  EXPECT_EQ(before.hits, after.hits);
  const v1::InfoResponse info = Info(engine.get());
  EXPECT_EQ(info.applied_sequence(), 4u);
  EXPECT_EQ(info.stats().document_count(), 2u);
  EXPECT_EQ(info.analyzer_version(), engine->analyzer_version());
  EXPECT_GT(info.disk_bytes(), 0u);
  absl::StatusOr<v1::ApplyResponse> replay =
      engine->Apply(ApplyRequestFor(0, 1, {Upsert(4, "c", "", "x"), Upsert(5, "d", "", "apple")}));
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->skipped(), 1u);
  EXPECT_EQ(replay->applied(), 1u);
  // New docids continue after the reopened counter: no collision with "c".
  EXPECT_THAT(SearchIds(engine.get(), {Clause("cherry")}), ElementsAre("c"));
  EXPECT_EQ(ClusterSearch({engine.get()}, Plan({Clause("apple")})).total_hits, 3u);
}

TEST(IndexEngineTest, RefusesAnotherShardIdentity) {
  TempDir dir;
  { ASSERT_NE(OpenEngine(dir.path(), 1, 3), nullptr); }
  IndexEngineOptions options;
  options.shard_id = 1;
  options.shard_count = 4;
  absl::StatusOr<std::unique_ptr<IndexEngine>> wrong_count =
      IndexEngine::Open(dir.path(), options, RocksOptions{});
  EXPECT_EQ(wrong_count.status().code(), absl::StatusCode::kFailedPrecondition);
  options.shard_id = 2;
  options.shard_count = 3;
  absl::StatusOr<std::unique_ptr<IndexEngine>> wrong_id =
      IndexEngine::Open(dir.path(), options, RocksOptions{});
  EXPECT_EQ(wrong_id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong_id.status().message(), HasSubstr("shard_id"));
}

TEST(IndexEngineTest, OccurSemantics) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "d1", "", "apple banana"),
                                                   Upsert(2, "d2", "", "apple cherry"),
                                                   Upsert(3, "d3", "", "banana cherry"),
                                                   Upsert(4, "d4", "Durian", "elder")}))
                  .ok());
  using v1::OCCUR_MUST;
  using v1::OCCUR_MUST_NOT;
  using v1::OCCUR_SHOULD;
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple"), Clause("banana")}),
              ElementsAre("d1", "d2", "d3"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple", OCCUR_MUST), Clause("banana")}),
              ElementsAre("d1", "d2"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple", OCCUR_MUST), Clause("banana", OCCUR_MUST)}),
              ElementsAre("d1"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple", OCCUR_MUST), Clause("cherry", OCCUR_MUST_NOT)}),
              ElementsAre("d1"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("banana"), Clause("apple", OCCUR_MUST_NOT)}),
              ElementsAre("d3"));
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple", OCCUR_MUST_NOT)}), IsEmpty());
  EXPECT_THAT(SearchIds(engine.get(), {}), IsEmpty());
  // Field restriction: "durian" is only in a title.
  EXPECT_THAT(SearchIds(engine.get(), {Clause("durian", OCCUR_SHOULD, v1::FIELD_BODY)}), IsEmpty());
  EXPECT_THAT(SearchIds(engine.get(), {Clause("durian", OCCUR_SHOULD, v1::FIELD_TITLE)}),
              ElementsAre("d4"));
  // A MUST clause on every field is satisfied by either field.
  EXPECT_THAT(SearchIds(engine.get(), {Clause("durian", OCCUR_MUST), Clause("elder", OCCUR_MUST)}),
              ElementsAre("d4"));
  const ClusterResult counted =
      ClusterSearch({engine.get()}, Plan({Clause("apple"), Clause("banana")}), /*limit=*/1);
  EXPECT_EQ(counted.total_hits, 3u);
  EXPECT_EQ(counted.hits.size(), 1u);
}

TEST(IndexEngineTest, TitleWeightAndBoostRaiseScores) {
  TempDir dir;
  // A title weight above the body's makes the title match win.
  auto engine = OpenEngine(dir.path(), 0, 1, /*title_weight=*/2.0);
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "body", "other", "apple"),
                                                   Upsert(2, "title", "apple", "other")}))
                  .ok());
  EXPECT_THAT(SearchIds(engine.get(), {Clause("apple")}), ElementsAre("title", "body"));
  const Hits plain = ClusterSearch({engine.get()}, Plan({Clause("other")})).hits;
  const Hits boosted =
      ClusterSearch({engine.get()}, Plan({Clause("other", v1::OCCUR_SHOULD,
                                                 v1::FIELD_UNSPECIFIED, 3.0f)})).hits;
  ASSERT_EQ(plain.size(), 2u);
  ASSERT_EQ(boosted.size(), 2u);
  EXPECT_DOUBLE_EQ(boosted[0].second, 3 * plain[0].second);
}

std::string SyntheticBody(int i) {
  static const char* kWords[] = {"market", "energy", "river", "election", "storm",
                                 "vaccine", "court",  "budget", "harvest", "rocket"};
  std::string body;
  for (int w = 0; w < 4 + i % 7; ++w) {
    absl::StrAppend(&body, body.empty() ? "" : " ", kWords[(i * 7 + w * w * 3 + w) % 10]);
  }
  return body;
}

TEST(IndexEngineTest, ScoresDoNotDependOnShardCount) {
  TempDir dir;
  auto single = OpenEngine(dir.Sub("single"));
  std::vector<std::unique_ptr<IndexEngine>> shards;
  for (uint32_t s = 0; s < 3; ++s) shards.push_back(OpenEngine(dir.Sub(absl::StrCat("s", s)), s, 3));
  std::vector<v1::Operation> all;
  std::vector<std::vector<v1::Operation>> per_shard(3);
  for (int i = 0; i < 30; ++i) {
    const std::string id = absl::StrCat("doc-", i);
    const std::string title = i % 3 == 0 ? "Storm over the river" : "Budget news";
    v1::Operation op = Upsert(all.size() + 1, id, title, SyntheticBody(i));
    all.push_back(op);
    auto& mine = per_shard[ShardForId(id, 3)];
    op.set_sequence(mine.size() + 1);
    mine.push_back(op);
  }
  ASSERT_TRUE(single->Apply(ApplyRequestFor(0, 1, all)).ok());
  std::vector<IndexEngine*> shard_pointers;
  for (uint32_t s = 0; s < 3; ++s) {
    ASSERT_FALSE(per_shard[s].empty());
    absl::StatusOr<v1::ApplyResponse> applied = shards[s]->Apply(ApplyRequestFor(s, 3, per_shard[s]));
    ASSERT_TRUE(applied.ok()) << applied.status();
    shard_pointers.push_back(shards[s].get());
  }
  const std::vector<v1::QueryPlan> plans = {
      Plan({Clause("storm")}),
      Plan({Clause("river"), Clause("market"), Clause("budget", v1::OCCUR_SHOULD, v1::FIELD_TITLE, 1.5f)}),
      Plan({Clause("energy", v1::OCCUR_MUST), Clause("court"), Clause("rocket", v1::OCCUR_MUST_NOT)}),
      Plan({Clause("vaccine"), Clause("harvest", v1::OCCUR_SHOULD, v1::FIELD_BODY, 2.0f)}),
      Plan({Group({"river", "storm", "court"}), Clause("market"),
            Group({"energy", "budget"}, v1::OCCUR_MUST)}),
  };
  for (const v1::QueryPlan& plan : plans) {
    for (uint32_t limit : {5u, 100u}) {
      const ClusterResult one = ClusterSearch({single.get()}, plan, limit);
      const ClusterResult three = ClusterSearch(shard_pointers, plan, limit);
      ASSERT_FALSE(one.hits.empty()) << plan.ShortDebugString();
      EXPECT_EQ(one.total_hits, three.total_hits) << plan.ShortDebugString();
      ASSERT_EQ(one.hits.size(), three.hits.size()) << plan.ShortDebugString();
      for (size_t i = 0; i < one.hits.size(); ++i) {
        EXPECT_EQ(one.hits[i].first, three.hits[i].first) << plan.ShortDebugString() << " #" << i;
        EXPECT_EQ(one.hits[i].second, three.hits[i].second) << plan.ShortDebugString() << " #" << i;
      }
    }
  }
}

TEST(IndexEngineTest, AlternativesScoreAsOneTerm) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  // Same body length (3) everywhere; "run" and "running" as forms of one word.
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "two-run", "", "run run other"),
                                                   Upsert(2, "mixed", "", "run running other"),
                                                   Upsert(3, "one", "", "running x y"),
                                                   Upsert(4, "none", "", "walk x y")}))
                  .ok());
  const ClusterResult group =
      ClusterSearch({engine.get()}, Plan({Group({"run", "running"}, v1::OCCUR_SHOULD)}));
  ASSERT_EQ(group.hits.size(), 3u);
  EXPECT_EQ(group.total_hits, 3u);
  // tf is summed over the forms: "mixed" (1 + 1) scores as "two-run" (2).
  const std::map<std::string, double> scores(group.hits.begin(), group.hits.end());
  EXPECT_EQ(scores.at("mixed"), scores.at("two-run"));
  EXPECT_LT(scores.at("one"), scores.at("mixed"));
  // df is the largest of the forms' (run: 2, running: 2) -> a single term
  // with df 2 and tf 2 gives the same score, bit for bit.
  const ClusterResult single = ClusterSearch({engine.get()}, Plan({Clause("run")}));
  const std::map<std::string, double> single_scores(single.hits.begin(), single.hits.end());
  EXPECT_EQ(single_scores.at("two-run"), scores.at("two-run"));
  // Excluding a group excludes every form.
  EXPECT_THAT(SearchIds(engine.get(), {Clause("x"), Group({"walk", "running"}, v1::OCCUR_MUST_NOT)}),
              IsEmpty());
  // A MUST group is matched by any of its forms.
  EXPECT_THAT(SearchIds(engine.get(), {Group({"walk", "running"}, v1::OCCUR_MUST)}),
              ::testing::UnorderedElementsAre("mixed", "one", "none"));
}

TEST(IndexEngineTest, GroupNeedsStatisticsForEveryForm) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "a", "", "run")})).ok());
  v1::ShardSearchRequest search;
  search.set_limit(10);
  *search.mutable_plan() = Plan({Group({"run", "running"})});
  for (v1::Field field : {v1::FIELD_TITLE, v1::FIELD_BODY}) {
    v1::FieldTerm* term = search.add_stat_terms();
    term->set_field(field);
    term->set_term("run");
    search.add_stat_document_frequencies(1);
  }
  absl::StatusOr<v1::ShardSearchResponse> response = engine->Search(search);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("missing global statistics"));
  *search.mutable_plan() = Plan({Group({"run", ""})});
  EXPECT_EQ(engine->Search(search).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IndexEngineTest, EqualScoresAreOrderedById) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {Upsert(1, "zeta", "", "same words"),
                                                   Upsert(2, "alpha", "", "same words"),
                                                   Upsert(3, "mid", "", "same words"),
                                                   Upsert(4, "beta", "", "same words")}))
                  .ok());
  const ClusterResult all = ClusterSearch({engine.get()}, Plan({Clause("same")}));
  EXPECT_THAT(Ids(all.hits), ElementsAre("alpha", "beta", "mid", "zeta"));
  const ClusterResult top2 = ClusterSearch({engine.get()}, Plan({Clause("same")}), 2);
  EXPECT_THAT(Ids(top2.hits), ElementsAre("alpha", "beta"));
  EXPECT_EQ(top2.total_hits, 4u);
}

TEST(IndexEngineTest, RejectsRequestsForAnotherShard) {
  TempDir dir;
  auto engine = OpenEngine(dir.path(), 1, 3);
  std::string mine, theirs;
  for (int i = 0; mine.empty() || theirs.empty(); ++i) {
    const std::string id = absl::StrCat("id-", i);
    (ShardForId(id, 3) == 1 ? mine : theirs) = id;
  }
  absl::StatusOr<v1::ApplyResponse> wrong_shard =
      engine->Apply(ApplyRequestFor(0, 3, {Upsert(1, mine, "", "text")}));
  EXPECT_EQ(wrong_shard.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<v1::ApplyResponse> wrong_count =
      engine->Apply(ApplyRequestFor(1, 2, {Upsert(1, mine, "", "text")}));
  EXPECT_EQ(wrong_count.status().code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<v1::ApplyResponse> wrong_id = engine->Apply(
      ApplyRequestFor(1, 3, {Upsert(1, mine, "", "text"), Upsert(2, theirs, "", "text")}));
  EXPECT_EQ(wrong_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_id.status().message(), HasSubstr("operations[1].upsert.document.id"));

  absl::StatusOr<v1::ApplyResponse> not_increasing = engine->Apply(
      ApplyRequestFor(1, 3, {Upsert(2, mine, "", "text"), Delete(2, mine)}));
  EXPECT_EQ(not_increasing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(not_increasing.status().message(), HasSubstr("operations[1].sequence"));

  // Nothing of the rejected batches was written.
  EXPECT_EQ(Info(engine.get()).applied_sequence(), 0u);
  EXPECT_EQ(Info(engine.get()).stats().document_count(), 0u);
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(1, 3, {Upsert(1, mine, "", "text")})).ok());
  EXPECT_EQ(Info(engine.get()).stats().document_count(), 1u);
}

TEST(IndexEngineTest, RejectsInvalidReadRequests) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  v1::TermStatsRequest stats;
  stats.add_terms()->set_term("apple");  // FIELD_UNSPECIFIED
  EXPECT_EQ(engine->TermStats(stats).status().code(), absl::StatusCode::kInvalidArgument);

  v1::ShardSearchRequest search;
  *search.mutable_plan() = Plan({Clause("apple", v1::OCCUR_SHOULD, v1::FIELD_BODY)});
  search.mutable_global_stats()->set_document_count(1);
  search.set_limit(0);
  EXPECT_EQ(engine->Search(search).status().code(), absl::StatusCode::kInvalidArgument);
  search.set_limit(10001);
  EXPECT_EQ(engine->Search(search).status().code(), absl::StatusCode::kInvalidArgument);
  search.set_limit(10);
  absl::StatusOr<v1::ShardSearchResponse> missing = engine->Search(search);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("stat_terms"));
  // Local statistics replace the global ones; both at once are refused.
  search.set_local_statistics(true);
  absl::StatusOr<v1::ShardSearchResponse> both = engine->Search(search);
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(both.status().message(), HasSubstr("local_statistics"));
  search.clear_global_stats();
  EXPECT_TRUE(engine->Search(search).ok());

  v1::ApplyRequest too_many = ApplyRequestFor(0, 1, {});
  for (int i = 0; i <= kMaxApplyOperations; ++i) *too_many.add_operations() = Delete(i + 1, "x");
  EXPECT_EQ(engine->Apply(too_many).status().code(), absl::StatusCode::kInvalidArgument);
  v1::FetchRequest fetch;
  for (int i = 0; i <= kMaxFetchIds; ++i) fetch.add_ids("x");
  EXPECT_EQ(engine->Fetch(fetch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IndexEngineTest, FetchReturnsStoredFieldsAndSnippet) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  v1::Operation op = Upsert(1, "fr-1", "Le réveil", "Le réveil du marché <boursier> & des prix.", 7, "fr");
  v1::IndexedDocument* indexed = op.mutable_upsert();
  indexed->set_duplicate_cluster("cluster-9");
  indexed->mutable_document()->set_url("https://example.org/a");
  indexed->mutable_document()->set_source("bbc");
  indexed->mutable_document()->mutable_published_at()->set_seconds(1700000000);
  (*indexed->mutable_document()->mutable_tags())["topic"] = "eco";
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, {op})).ok());

  v1::FetchRequest fetch;
  fetch.add_ids("unknown");
  fetch.add_ids("fr-1");
  *fetch.mutable_plan() = Plan({Clause("reveil"), Clause("prix", v1::OCCUR_MUST_NOT)});
  absl::StatusOr<v1::FetchResponse> response = engine->Fetch(fetch);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->documents_size(), 1);
  const v1::FetchedDocument& doc = response->documents(0);
  EXPECT_EQ(doc.id(), "fr-1");
  EXPECT_EQ(doc.version(), 7);
  EXPECT_EQ(doc.title(), "Le réveil");
  EXPECT_EQ(doc.url(), "https://example.org/a");
  EXPECT_EQ(doc.source(), "bbc");
  EXPECT_EQ(doc.lang(), "fr");
  EXPECT_EQ(doc.published_at().seconds(), 1700000000);
  EXPECT_EQ(doc.tags().at("topic"), "eco");
  EXPECT_EQ(doc.duplicate_cluster(), "cluster-9");
  EXPECT_EQ(doc.snippet(), "Le <mark>réveil</mark> du marché &lt;boursier&gt; &amp; des prix.");
}

TEST(IndexEngineTest, SearchFetchesItsBestHitsWhenAsked) {
  TempDir dir;
  auto engine = OpenEngine(dir.path());
  std::vector<v1::Operation> operations;
  for (int i = 0; i < 5; ++i) {
    const std::string body = absl::StrCat("The storm ", std::string(i, 'x'), " over the river");
    operations.push_back(Upsert(i + 1, absl::StrCat("doc-", i), "Storm news", body));
  }
  ASSERT_TRUE(engine->Apply(ApplyRequestFor(0, 1, operations)).ok());
  v1::ShardSearchRequest search;
  *search.mutable_plan() = Plan({Clause("storm")});
  search.set_local_statistics(true);
  search.set_limit(4);
  search.set_fetch_top(3);
  search.set_fetch_snippet_chars(20);
  absl::StatusOr<v1::ShardSearchResponse> searched = engine->Search(search);
  ASSERT_TRUE(searched.ok()) << searched.status();
  ASSERT_EQ(searched->hits_size(), 4);
  ASSERT_EQ(searched->documents_size(), 3);
  // The same documents as a Fetch of the first three hits.
  v1::FetchRequest fetch;
  *fetch.mutable_plan() = search.plan();
  fetch.set_snippet_chars(20);
  for (int i = 0; i < 3; ++i) fetch.add_ids(searched->hits(i).id());
  absl::StatusOr<v1::FetchResponse> fetched = engine->Fetch(fetch);
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  ASSERT_EQ(fetched->documents_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(searched->documents(i).SerializeAsString(),
              fetched->documents(i).SerializeAsString());
  }
  EXPECT_THAT(searched->documents(0).snippet(), HasSubstr("<mark>storm</mark>"));

  search.set_fetch_top(5);  // more than the limit
  absl::StatusOr<v1::ShardSearchResponse> refused = engine->Search(search);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("fetch_top"));
}

}  // namespace
}  // namespace loupe
