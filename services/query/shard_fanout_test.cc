// Fan-out against two tiny in-process IndexService fakes on loopback ports
// that return canned TermStats / Search / Fetch answers (a unit test of the
// scatter-gather only; the real shard is tested in services/index).
#include "services/query/shard_fanout.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loupe/v1/index.grpc.pb.h"
#include "services/query/duplicate_folding.h"
#include "services/query/fake_index_shard.h"
#include "services/query/query_engine.h"

namespace loupe::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

loupe::v1::SearchRequest Request(std::string query, uint32_t limit, uint32_t offset = 0) {
  loupe::v1::SearchRequest request;
  request.set_query(std::move(query));
  request.set_limit(limit);
  request.set_offset(offset);
  request.set_snippet_chars(120);
  return request;
}

std::vector<std::string> HitIds(const loupe::v1::SearchResponse& response) {
  std::vector<std::string> ids;
  for (const auto& hit : response.hits()) ids.push_back(absl::StrCat(hit.id(), "@", hit.shard()));
  return ids;
}

class FanoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shard0_ = std::make_unique<FakeIndexShard>(CannedShard0());
    shard0_->Start();
  }

  void StartShard1(CannedShard canned) {
    shard1_ = std::make_unique<FakeIndexShard>(std::move(canned));
    shard1_->Start();
  }

  QueryEngine Engine(absl::Duration timeout = absl::Seconds(2)) {
    QueryEngineOptions options;
    options.default_timeout = timeout;
    return QueryEngine({shard0_->address(), shard1_->address()}, options);
  }

  std::unique_ptr<FakeIndexShard> shard0_;
  std::unique_ptr<FakeIndexShard> shard1_;
};

TEST(StatTermsTest, ExpandsUnspecifiedFieldAndDedupes) {
  loupe::v1::QueryPlan plan;
  auto add = [&](std::string term, loupe::v1::Field field) {
    auto* clause = plan.add_clauses();
    clause->set_term(std::move(term));
    clause->set_field(field);
  };
  add("nvidia", loupe::v1::FIELD_UNSPECIFIED);
  add("nvidia", loupe::v1::FIELD_TITLE);
  add("chips", loupe::v1::FIELD_BODY);
  std::vector<std::string> terms;
  for (const auto& term : StatTermsForPlan(plan)) {
    terms.push_back(absl::StrCat(term.field(), "/", term.term()));
  }
  EXPECT_THAT(terms, ElementsAre("1/nvidia", "2/nvidia", "2/chips"));
}

TEST(StatTermsTest, AsksForEveryFormOfAClause) {
  loupe::v1::QueryPlan plan;
  auto* group = plan.add_clauses();
  group->set_term("run");
  group->add_alternatives("running");
  auto* body = plan.add_clauses();
  body->set_term("chip");
  body->add_alternatives("chips");
  body->add_alternatives("run");
  body->set_field(loupe::v1::FIELD_BODY);
  std::vector<std::string> terms;
  for (const auto& term : StatTermsForPlan(plan)) {
    terms.push_back(absl::StrCat(term.field(), "/", term.term()));
  }
  EXPECT_THAT(terms, ElementsAre("1/run", "2/run", "1/running", "2/running", "2/chip",
                                 "2/chips"));
}

TEST_F(FanoutTest, RejectsALanguageThatIsNotACode) {
  StartShard1(CannedShard1());
  QueryEngine engine = Engine();
  loupe::v1::SearchRequest request = Request("nvidia", 3);
  request.set_lang("french!");
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(request, absl::InfiniteFuture());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("lang"));
}

TEST_F(FanoutTest, MergesShardsWithGlobalStatistics) {
  StartShard1(CannedShard1());
  QueryEngine engine = Engine();
  // Language "und": one unstemmed form per word, so the terms are the typed
  // words (multi-language forms are covered in plan_builder_test).
  loupe::v1::SearchRequest request = Request("nvidia body:chips", 3, 1);
  request.set_lang("und");
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(request, absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();

  // Both shards were given the same, summed statistics.
  for (FakeIndexShard* shard : {shard0_.get(), shard1_.get()}) {
    const loupe::v1::ShardSearchRequest search = shard->last_search();
    EXPECT_EQ(search.limit(), 5u);  // offset + limit + 1 (is there a next page?)
    EXPECT_EQ(search.fetch_top(), 0u);  // a page past the top: the Fetch phase only
    EXPECT_EQ(search.global_stats().document_count(), 150u);
    ASSERT_EQ(search.global_stats().fields_size(), 2);
    EXPECT_EQ(search.global_stats().fields(0).field(), loupe::v1::FIELD_TITLE);
    EXPECT_EQ(search.global_stats().fields(0).total_tokens(), 1500u);
    EXPECT_EQ(search.global_stats().fields(1).total_tokens(), 30000u);
    ASSERT_EQ(search.stat_terms_size(), 3);
    EXPECT_EQ(search.stat_terms(0).term(), "nvidia");
    EXPECT_EQ(search.stat_terms(0).field(), loupe::v1::FIELD_TITLE);
    EXPECT_EQ(search.stat_terms(2).term(), "chips");
    EXPECT_THAT(search.stat_document_frequencies(), ElementsAre(4, 15, 6));
    EXPECT_EQ(search.plan().root().boolean().clauses_size(), 2);
  }
  // Merged order a(3) b(3) d(2.5) c(2) e(1); offset 1, limit 3.
  EXPECT_THAT(HitIds(*response), ElementsAre("b@1", "d@1", "c@0"));
  EXPECT_EQ(response->total_hits(), 17u);
  EXPECT_THAT(response->answered_shards(), ElementsAre(0, 1));
  EXPECT_EQ(response->missing_shards_size(), 0);
  const loupe::v1::Hit& first = response->hits(0);
  EXPECT_EQ(first.title(), "Title of b");
  EXPECT_EQ(first.snippet(), "<mark>b</mark>");
  EXPECT_EQ(first.url(), "https://example.com/b");
  EXPECT_EQ(first.source(), "example");
  EXPECT_EQ(first.lang(), "en");
  EXPECT_EQ(first.published_at().seconds(), 1700000000);
  EXPECT_DOUBLE_EQ(first.score(), 3.0);
  // Each shard fetched only the hits it owns, with the plan and snippet size.
  EXPECT_THAT(shard0_->last_fetch().ids(), ElementsAre("c"));
  EXPECT_THAT(shard1_->last_fetch().ids(), ElementsAre("b", "d"));
  EXPECT_EQ(shard1_->last_fetch().snippet_chars(), 120u);
  EXPECT_EQ(shard1_->last_fetch().plan().root().boolean().clauses_size(), 2);
  EXPECT_TRUE(response->has_took());
}

TEST_F(FanoutTest, FirstPageIsFetchedWithTheSearch) {
  StartShard1(CannedShard1());
  QueryEngine engine = Engine();
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("nvidia", 3), absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();
  for (FakeIndexShard* shard : {shard0_.get(), shard1_.get()}) {
    // 3 hits on 2 shards: a shard's likely share is all 3 (page_share.h).
    EXPECT_EQ(shard->last_search().fetch_top(), 3u);
    EXPECT_EQ(shard->last_search().fetch_snippet_chars(), 120u);
    EXPECT_EQ(shard->fetch_calls(), 0);
  }
  EXPECT_THAT(HitIds(*response), ElementsAre("a@0", "b@1", "d@1"));
  EXPECT_EQ(response->hits(1).title(), "Title of b");
  EXPECT_EQ(response->hits(1).snippet(), "<mark>b</mark>");
}

TEST_F(FanoutTest, HitsNotFetchedWithTheSearchAreFetchedAfter) {
  CannedShard older = CannedShard1();
  older.ignores_fetch_top = true;
  StartShard1(older);
  QueryEngine engine = Engine();
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("nvidia", 3), absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(shard0_->fetch_calls(), 0);
  EXPECT_EQ(shard1_->fetch_calls(), 1);
  EXPECT_THAT(shard1_->last_fetch().ids(), ElementsAre("b", "d"));
  EXPECT_THAT(HitIds(*response), ElementsAre("a@0", "b@1", "d@1"));
  for (const loupe::v1::Hit& hit : response->hits()) {
    EXPECT_EQ(hit.title(), absl::StrCat("Title of ", hit.id()));
  }
}

TEST_F(FanoutTest, FoldsClustersAcrossShardsAfterMerging) {
  CannedShard shard1 = CannedShard1();
  // "b" (shard 1) is a copy of "a" and "e" (shard 0).
  shard1.clusters = {{"b", "a"}};
  StartShard1(shard1);
  shard0_->Stop();
  CannedShard shard0 = CannedShard0();
  shard0.clusters = {{"e", "a"}};
  shard0_ = std::make_unique<FakeIndexShard>(shard0);
  shard0_->Start();
  loupe::v1::SearchRequest request = Request("nvidia", 2);
  request.set_fold_duplicates(true);
  absl::StatusOr<loupe::v1::SearchResponse> response =
      Engine().Search(request, absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();
  // a@0 (3, id before b) keeps cluster "a"; b and e fold into it.
  EXPECT_THAT(HitIds(*response), ElementsAre("a@0", "d@1"));
  EXPECT_EQ(response->hits(0).folded_count(), 2u);
  EXPECT_EQ(response->hits(1).folded_count(), 0u);
  EXPECT_EQ(response->total_hits(), 17u);  // Documents, not clusters.
  EXPECT_FALSE(response->next_page_token().empty());  // "c" follows.
  // Over-fetch: (offset + limit + 1) * kFoldOverfetch per shard.
  EXPECT_EQ(shard0_->last_search().limit(), 3 * kFoldOverfetch);
  EXPECT_TRUE(shard0_->last_search().with_duplicate_clusters());
}

TEST_F(FanoutTest, FoldingAsksAgainWhenAPageIsShortAndAShardHasMore) {
  CannedShard shard1 = CannedShard1();
  shard1.hits.clear();
  StartShard1(shard1);
  shard0_->Stop();
  CannedShard shard0 = CannedShard0();
  shard0.hits.clear();
  for (int i = 0; i < 10; ++i) {
    const std::string id = absl::StrCat("x", i);
    shard0.hits.emplace_back(id, 10.0 - i);
    shard0.clusters[id] = "x0";
  }
  shard0_ = std::make_unique<FakeIndexShard>(shard0);
  shard0_->Start();
  loupe::v1::SearchRequest request = Request("nvidia", 1);
  request.set_fold_duplicates(true);
  absl::StatusOr<loupe::v1::SearchResponse> response =
      Engine().Search(request, absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(HitIds(*response), ElementsAre("x0@0"));
  // Round 1 (limit 8) folded to one cluster; round 2 (limit 32) saw all ten.
  EXPECT_EQ(shard0_->last_search().limit(), 32u);
  EXPECT_EQ(response->hits(0).folded_count(), 9u);
  EXPECT_TRUE(response->next_page_token().empty());
}

TEST_F(FanoutTest, MergesFacetCountsOfEveryShard) {
  auto counts = [](std::vector<std::pair<std::string, uint64_t>> values) {
    loupe::v1::ShardFacetResult result;
    for (const auto& [value, count] : values) {
      auto* entry = result.add_counts();
      entry->set_value(value);
      entry->set_count(count);
    }
    return result;
  };
  CannedShard shard1 = CannedShard1();
  shard1.facets = {counts({{"afp", 2}, {"bbc", 1}})};
  StartShard1(shard1);
  shard0_->Stop();
  CannedShard shard0 = CannedShard0();
  shard0.facets = {counts({{"bbc", 3}})};
  shard0_ = std::make_unique<FakeIndexShard>(shard0);
  shard0_->Start();
  loupe::v1::SearchRequest request = Request("nvidia", 1);
  request.add_facets()->set_field("source");
  absl::StatusOr<loupe::v1::SearchResponse> response =
      Engine().Search(request, absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->facets_size(), 1);
  EXPECT_EQ(response->facets(0).field(), "source");
  ASSERT_EQ(response->facets(0).values_size(), 2);
  EXPECT_EQ(response->facets(0).values(0).value(), "bbc");
  EXPECT_EQ(response->facets(0).values(0).count(), 4u);
  EXPECT_EQ(response->facets(0).values(1).value(), "afp");
  EXPECT_EQ(response->facets(0).values(1).count(), 2u);
  EXPECT_EQ(shard0_->last_search().facets(0).kind(), loupe::v1::FACET_KIND_SOURCE);
  EXPECT_EQ(shard0_->last_search().max_facet_values(), 10000u);
}

TEST_F(FanoutTest, StoppedShardGivesAPartialAnswerNamingIt) {
  StartShard1(CannedShard1());
  const std::string missing_address = shard1_->address();
  shard1_->Stop();
  QueryEngine engine = Engine(absl::Seconds(2));
  const absl::Time start = absl::Now();
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("nvidia", 10), absl::InfiniteFuture());
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_LT(elapsed, absl::Seconds(2));
  EXPECT_THAT(HitIds(*response), ElementsAre("a@0", "c@0", "e@0"));
  EXPECT_EQ(response->total_hits(), 12u);
  EXPECT_THAT(response->answered_shards(), ElementsAre(0));
  ASSERT_EQ(response->missing_shards_size(), 1);
  EXPECT_EQ(response->missing_shards(0).shard(), 1u);
  EXPECT_EQ(response->missing_shards(0).address(), missing_address);
  EXPECT_THAT(response->missing_shards(0).error(), StartsWith("UNAVAILABLE: "));
  // The statistics are those of the shards that answered.
  EXPECT_EQ(shard0_->last_search().global_stats().document_count(), 100u);
}

TEST_F(FanoutTest, HungShardIsCutOffAtTheDeadline) {
  CannedShard hung = CannedShard1();
  hung.delay = absl::Seconds(30);
  StartShard1(hung);
  QueryEngine engine = Engine(absl::Seconds(10));
  const absl::Time start = absl::Now();
  // The client's deadline (800 ms) is earlier than the default timeout.
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("nvidia", 10), absl::Now() + absl::Milliseconds(800));
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_LT(elapsed, absl::Milliseconds(1000));
  EXPECT_THAT(HitIds(*response), ElementsAre("a@0", "c@0", "e@0"));
  ASSERT_EQ(response->missing_shards_size(), 1);
  EXPECT_EQ(response->missing_shards(0).shard(), 1u);
  EXPECT_THAT(response->missing_shards(0).error(), StartsWith("DEADLINE_EXCEEDED: "));
}

TEST_F(FanoutTest, ShardFailingFetchContributesNothing) {
  CannedShard flaky = CannedShard1();
  flaky.fetch_error = grpc::StatusCode::INTERNAL;
  flaky.ignores_fetch_top = true;  // its hits need the Fetch that fails
  StartShard1(flaky);
  QueryEngine engine = Engine();
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("nvidia", 10), absl::InfiniteFuture());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(HitIds(*response), ElementsAre("a@0", "c@0", "e@0"));
  EXPECT_EQ(response->total_hits(), 12u);
  EXPECT_THAT(response->answered_shards(), ElementsAre(0));
  ASSERT_EQ(response->missing_shards_size(), 1);
  EXPECT_EQ(response->missing_shards(0).error(), "INTERNAL: fetch failed on purpose");
}

TEST_F(FanoutTest, NoShardAnsweringIsUnavailable) {
  StartShard1(CannedShard1());
  shard0_->Stop();
  shard1_->Stop();
  QueryEngine engine = Engine();
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("nvidia", 10), absl::InfiniteFuture());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("shard 0"));
  EXPECT_THAT(response.status().message(), HasSubstr("shard 1"));
}

TEST_F(FanoutTest, MalformedQueryNeverReachesTheShards) {
  StartShard1(CannedShard1());
  QueryEngine engine = Engine();
  absl::StatusOr<loupe::v1::SearchResponse> response =
      engine.Search(Request("title:\"nvidia", 10), absl::InfiniteFuture());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("query: unbalanced quote"));
  EXPECT_THAT(response.status().message(), HasSubstr("at position 6"));
  EXPECT_EQ(shard0_->last_search().plan().clauses_size(), 0);
}

TEST_F(FanoutTest, ClusterInfoReportsUnreachableShards) {
  StartShard1(CannedShard1());
  shard1_->Stop();
  QueryEngine engine = Engine();
  loupe::v1::ClusterInfoResponse info = engine.ClusterInfo(absl::InfiniteFuture());
  EXPECT_EQ(info.shard_count(), 2u);
  ASSERT_EQ(info.shards_size(), 2);
  EXPECT_TRUE(info.shards(0).reachable());
  EXPECT_EQ(info.shards(0).document_count(), 100u);
  EXPECT_EQ(info.shards(0).applied_sequence(), 100u);
  EXPECT_EQ(info.shards(0).disk_bytes(), 4096u);
  EXPECT_EQ(info.shards(0).error(), "");
  EXPECT_FALSE(info.shards(1).reachable());
  EXPECT_THAT(info.shards(1).error(), StartsWith("UNAVAILABLE: "));
  EXPECT_EQ(info.document_count(), 100u);
}

TEST_F(FanoutTest, ClusterInfoFlagsAMisconfiguredShard) {
  CannedShard wrong = CannedShard1();
  wrong.shard_id = 0;  // Answers as shard 0 at shard 1's address.
  StartShard1(wrong);
  QueryEngine engine = Engine();
  loupe::v1::ClusterInfoResponse info = engine.ClusterInfo(absl::InfiniteFuture());
  ASSERT_EQ(info.shards_size(), 2);
  EXPECT_TRUE(info.shards(1).reachable());
  EXPECT_THAT(info.shards(1).error(), HasSubstr("expected shard 1 of 2"));
}

}  // namespace
}  // namespace loupe::query
