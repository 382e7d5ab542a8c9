// Facets in loupe-query: the public requests become shard requests (with
// validation naming the field), and the shards' counts are summed exactly,
// cut to `size` with other_count, dates kept in date order.
#include "services/query/facet_merge.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

loupe::v1::FacetRequest Request(const std::string& field, uint32_t size = 0,
                                loupe::v1::FacetInterval interval =
                                    loupe::v1::FACET_INTERVAL_UNSPECIFIED) {
  loupe::v1::FacetRequest request;
  request.set_field(field);
  request.set_size(size);
  request.set_interval(interval);
  return request;
}

loupe::v1::ShardFacetResult Shard(std::vector<std::pair<std::string, uint64_t>> counts,
                                  uint64_t other = 0, bool truncated = false) {
  loupe::v1::ShardFacetResult result;
  for (const auto& [value, count] : counts) {
    auto* entry = result.add_counts();
    entry->set_value(value);
    entry->set_count(count);
  }
  result.set_other_count(other);
  result.set_truncated(truncated);
  return result;
}

std::vector<std::pair<std::string, uint64_t>> Values(const loupe::v1::FacetResult& result) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& value : result.values()) out.emplace_back(value.value(), value.count());
  return out;
}

TEST(ShardFacetsTest, TranslatesEveryKind) {
  google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest> requests;
  *requests.Add() = Request("source");
  *requests.Add() = Request("LANG");
  *requests.Add() = Request("tag:Topic");
  *requests.Add() = Request("date", 0, loupe::v1::FACET_INTERVAL_WEEK);
  absl::StatusOr<std::vector<loupe::v1::ShardFacetRequest>> shard = ShardFacets(requests);
  ASSERT_TRUE(shard.ok()) << shard.status();
  ASSERT_EQ(shard->size(), 4u);
  EXPECT_EQ((*shard)[0].kind(), loupe::v1::FACET_KIND_SOURCE);
  EXPECT_EQ((*shard)[1].kind(), loupe::v1::FACET_KIND_LANG);
  EXPECT_EQ((*shard)[2].kind(), loupe::v1::FACET_KIND_TAG);
  EXPECT_EQ((*shard)[2].tag_key(), "topic");
  EXPECT_EQ((*shard)[3].kind(), loupe::v1::FACET_KIND_DATE);
  EXPECT_EQ((*shard)[3].interval(), loupe::v1::DATE_INTERVAL_WEEK);
}

TEST(ShardFacetsTest, NamesEachBadField) {
  google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest> requests;
  *requests.Add() = Request("author");
  *requests.Add() = Request("tag:");
  *requests.Add() = Request("date");
  *requests.Add() = Request("source", 5000, loupe::v1::FACET_INTERVAL_DAY);
  absl::StatusOr<std::vector<loupe::v1::ShardFacetRequest>> shard = ShardFacets(requests);
  ASSERT_EQ(shard.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(shard.status().message());
  EXPECT_THAT(message, HasSubstr("facets[0].field"));
  EXPECT_THAT(message, HasSubstr("facets[1].field"));
  EXPECT_THAT(message, HasSubstr("facets[2].interval"));
  EXPECT_THAT(message, HasSubstr("facets[3].size"));
  EXPECT_THAT(message, HasSubstr("facets[3].interval"));
}

TEST(MergeFacetsTest, SumsShardsExactlyAndCutsToSize) {
  google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest> requests;
  *requests.Add() = Request("source", 2);
  *requests.Add() = Request("date", 1, loupe::v1::FACET_INTERVAL_MONTH);
  google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult> shard0, shard1;
  *shard0.Add() = Shard({{"bbc", 3}, {"afp", 1}, {"zdf", 1}});
  *shard0.Add() = Shard({{"2025-02-01", 2}});
  *shard1.Add() = Shard({{"afp", 3}, {"reuters", 2}});
  *shard1.Add() = Shard({{"2025-01-01", 1}, {"2025-02-01", 1}});
  google::protobuf::RepeatedPtrField<loupe::v1::FacetResult> merged;
  MergeFacets(requests, {&shard0, &shard1}, &merged);
  ASSERT_EQ(merged.size(), 2);
  EXPECT_EQ(merged[0].field(), "source");
  // afp 4, bbc 3 kept; reuters 2 + zdf 1 in other.
  EXPECT_THAT(Values(merged[0]), ElementsAre(Pair("afp", 4), Pair("bbc", 3)));
  EXPECT_EQ(merged[0].other_count(), 3u);
  EXPECT_FALSE(merged[0].truncated());
  // Dates: every bucket, in date order, whatever `size`.
  EXPECT_THAT(Values(merged[1]), ElementsAre(Pair("2025-01-01", 1), Pair("2025-02-01", 3)));
}

TEST(MergeFacetsTest, ReportsShardTruncation) {
  google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest> requests;
  *requests.Add() = Request("lang");
  google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult> shard0;
  *shard0.Add() = Shard({{"en", 5}}, /*other=*/4, /*truncated=*/true);
  google::protobuf::RepeatedPtrField<loupe::v1::FacetResult> merged;
  MergeFacets(requests, {&shard0}, &merged);
  EXPECT_THAT(Values(merged[0]), ElementsAre(Pair("en", 5)));
  EXPECT_EQ(merged[0].other_count(), 4u);
  EXPECT_TRUE(merged[0].truncated());
}

}  // namespace
}  // namespace loupe::query
