// Facets on a real one-shard engine: keyword facets (source, lang, tag)
// count every match, not just the returned hits; date buckets in UTC (day,
// ISO week, month); truncation to max_facet_values with other_count;
// duplicate clusters on hits; validation.
#include "services/index/facet_counter.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/index/index_engine.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::ApplyRequestFor;
using ::loupe::testing_util::TempDir;
using ::loupe::testing_util::Upsert;
using ::testing::ElementsAre;
using ::testing::Pair;

// 2025-01-27 is a Monday.
constexpr int64_t kMonday = 1737936000;  // 2025-01-27T00:00:00Z
constexpr int64_t kDay = 86400;

v1::Operation Doc(uint64_t sequence, const std::string& id, const std::string& source,
                  const std::string& lang, int64_t date, const std::string& topic,
                  const std::string& cluster = "") {
  v1::Operation op = Upsert(sequence, id, "Title", "xyzq " + id, 1, lang);
  v1::Document* document = op.mutable_upsert()->mutable_document();
  document->set_source(source);
  if (date != 0) document->mutable_published_at()->set_seconds(date);
  if (!topic.empty()) (*document->mutable_tags())["Topic"] = topic;
  op.mutable_upsert()->set_duplicate_cluster(cluster);
  return op;
}

std::vector<std::pair<std::string, uint64_t>> Counts(const v1::ShardFacetResult& result) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const v1::FacetCount& count : result.counts()) out.emplace_back(count.value(), count.count());
  return out;
}

v1::ShardFacetRequest Facet(v1::FacetKind kind, const std::string& tag_key = "",
                            v1::DateInterval interval = v1::DATE_INTERVAL_UNSPECIFIED) {
  v1::ShardFacetRequest facet;
  facet.set_kind(kind);
  facet.set_tag_key(tag_key);
  facet.set_interval(interval);
  return facet;
}

TEST(DateBucketTest, BucketsAreUtcDaysIsoWeeksAndMonths) {
  EXPECT_EQ(DateBucket(kMonday + 2 * kDay + 3600, v1::DATE_INTERVAL_DAY), "2025-01-29");
  // Sunday 23:59:59 UTC belongs to the week that started on Monday the 27th.
  EXPECT_EQ(DateBucket(kMonday + 7 * kDay - 1, v1::DATE_INTERVAL_WEEK), "2025-01-27");
  EXPECT_EQ(DateBucket(kMonday + 7 * kDay, v1::DATE_INTERVAL_WEEK), "2025-02-03");
  EXPECT_EQ(DateBucket(kMonday + 5 * kDay, v1::DATE_INTERVAL_MONTH), "2025-02-01");
  EXPECT_EQ(DateBucket(kMonday - 1, v1::DATE_INTERVAL_DAY), "2025-01-26");
  // Before 1970 (negative seconds) still floors to the right day.
  EXPECT_EQ(DateBucket(-1, v1::DATE_INTERVAL_DAY), "1969-12-31");
}

class FacetSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
        IndexEngine::Open(dir_.path(), IndexEngineOptions{}, RocksOptions{});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    ASSERT_TRUE(engine_
                    ->Apply(ApplyRequestFor(
                        0, 1,
                        {Doc(1, "a", "BBC", "en", kMonday + 10, "AI", "a"),
                         Doc(2, "b", "bbc", "en", kMonday + kDay, "ai", "a"),
                         Doc(3, "c", "afp", "fr", kMonday + 8 * kDay, "Sport"),
                         Doc(4, "d", "afp", "fr", kMonday + 40 * kDay, ""),
                         Doc(5, "e", "reuters", "en", 0, "AI")}))
                    .ok());
    ASSERT_TRUE(engine_->Apply(ApplyRequestFor(0, 1, {Doc(6, "f", "lemonde", "fr", 0, "")})).ok());
  }

  // Every document contains "xyzq" (unchanged by stemming); the plan is "xyzq -f"
  // with limit 1, so facets must count beyond the page.
  absl::StatusOr<v1::ShardSearchResponse> Search(std::vector<v1::ShardFacetRequest> facets,
                                                 uint32_t max_values = 0,
                                                 bool clusters = false) {
    v1::ShardSearchRequest request;
    v1::BooleanQuery* root = request.mutable_plan()->mutable_root()->mutable_boolean();
    v1::BooleanClause* must = root->add_clauses();
    must->set_occur(v1::OCCUR_FILTER);
    must->mutable_node()->mutable_term()->set_term("xyzq");
    must->mutable_node()->mutable_term()->set_field(v1::FIELD_BODY);
    v1::BooleanClause* not_f = root->add_clauses();
    not_f->set_occur(v1::OCCUR_MUST_NOT);
    not_f->mutable_node()->mutable_term()->set_term("f");
    not_f->mutable_node()->mutable_term()->set_field(v1::FIELD_BODY);
    request.set_limit(clusters ? 10 : 1);
    request.set_max_facet_values(max_values);
    request.set_with_duplicate_clusters(clusters);
    for (auto& facet : facets) *request.add_facets() = std::move(facet);
    return engine_->Search(request);
  }

  TempDir dir_;
  std::unique_ptr<IndexEngine> engine_;
};

TEST_F(FacetSearchTest, KeywordFacetsCountEveryMatch) {
  absl::StatusOr<v1::ShardSearchResponse> response =
      Search({Facet(v1::FACET_KIND_SOURCE), Facet(v1::FACET_KIND_LANG),
              Facet(v1::FACET_KIND_TAG, "TOPIC")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->total_hits(), 5u);
  EXPECT_EQ(response->hits_size(), 1);
  ASSERT_EQ(response->facets_size(), 3);
  EXPECT_THAT(Counts(response->facets(0)),
              ElementsAre(Pair("afp", 2), Pair("bbc", 2), Pair("reuters", 1)));
  EXPECT_FALSE(response->facets(0).truncated());
  EXPECT_THAT(Counts(response->facets(1)), ElementsAre(Pair("en", 3), Pair("fr", 2)));
  EXPECT_THAT(Counts(response->facets(2)), ElementsAre(Pair("ai", 3), Pair("sport", 1)));
}

TEST_F(FacetSearchTest, DateHistogramInUtcBuckets) {
  absl::StatusOr<v1::ShardSearchResponse> response =
      Search({Facet(v1::FACET_KIND_DATE, "", v1::DATE_INTERVAL_DAY),
              Facet(v1::FACET_KIND_DATE, "", v1::DATE_INTERVAL_WEEK),
              Facet(v1::FACET_KIND_DATE, "", v1::DATE_INTERVAL_MONTH)});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Counts(response->facets(0)),
              ElementsAre(Pair("2025-01-27", 1), Pair("2025-01-28", 1), Pair("2025-02-04", 1),
                          Pair("2025-03-08", 1)));
  EXPECT_THAT(Counts(response->facets(1)),
              ElementsAre(Pair("2025-01-27", 2), Pair("2025-02-03", 1), Pair("2025-03-03", 1)));
  EXPECT_THAT(Counts(response->facets(2)),
              ElementsAre(Pair("2025-01-01", 2), Pair("2025-02-01", 1), Pair("2025-03-01", 1)));
}

TEST_F(FacetSearchTest, TruncatesToMaxValuesWithOtherCount) {
  absl::StatusOr<v1::ShardSearchResponse> response = Search({Facet(v1::FACET_KIND_SOURCE)}, 1);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Counts(response->facets(0)), ElementsAre(Pair("afp", 2)));
  EXPECT_EQ(response->facets(0).other_count(), 3u);
  EXPECT_TRUE(response->facets(0).truncated());
}

TEST_F(FacetSearchTest, HitsCarryTheirDuplicateCluster) {
  absl::StatusOr<v1::ShardSearchResponse> response = Search({}, 0, /*clusters=*/true);
  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<std::pair<std::string, std::string>> clusters;
  for (const v1::ShardHit& hit : response->hits()) {
    clusters.emplace_back(hit.id(), hit.duplicate_cluster());
  }
  EXPECT_THAT(clusters, ElementsAre(Pair("a", "a"), Pair("b", "a"), Pair("c", "c"),
                                    Pair("d", "d"), Pair("e", "e")));
}

TEST_F(FacetSearchTest, RejectsMalformedFacets) {
  absl::StatusOr<v1::ShardSearchResponse> response =
      Search({Facet(v1::FACET_KIND_TAG, " "), Facet(v1::FACET_KIND_DATE)});
  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(response.status().message()), ::testing::HasSubstr("facets[0].tag_key"));
  EXPECT_THAT(std::string(response.status().message()), ::testing::HasSubstr("facets[1].interval"));
}

}  // namespace
}  // namespace loupe
