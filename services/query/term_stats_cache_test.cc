#include "services/query/term_stats_cache.h"

#include "gtest/gtest.h"

namespace loupe::query {
namespace {

v1::TermStatsRequest Request(std::initializer_list<const char*> body_terms) {
  v1::TermStatsRequest request;
  for (const char* term : body_terms) {
    v1::FieldTerm* added = request.add_terms();
    added->set_field(v1::FIELD_BODY);
    added->set_term(term);
  }
  return request;
}

v1::TermStatsResponse Answer(const std::string& version, uint64_t documents,
                             std::initializer_list<uint64_t> dfs) {
  v1::TermStatsResponse response;
  response.set_statistics_version(version);
  response.mutable_collection()->set_document_count(documents);
  for (uint64_t df : dfs) response.add_document_frequencies(df);
  return response;
}

TEST(TermStatsCacheTest, AnswersKnownTermsInRequestOrderWithTheirVersion) {
  TermStatsCache cache(2, 100);
  EXPECT_FALSE(cache.Lookup(0, Request({"storm"})).has_value());
  cache.Store(0, Request({"storm", "alert"}), Answer("a:7", 50, {3, 9}));
  std::optional<v1::TermStatsResponse> known = cache.Lookup(0, Request({"alert", "storm"}));
  ASSERT_TRUE(known.has_value());
  EXPECT_EQ(known->statistics_version(), "a:7");
  EXPECT_EQ(known->collection().document_count(), 50u);
  ASSERT_EQ(known->document_frequencies_size(), 2);
  EXPECT_EQ(known->document_frequencies(0), 9u);
  EXPECT_EQ(known->document_frequencies(1), 3u);
  // Another shard, another field, an unknown term: not known.
  EXPECT_FALSE(cache.Lookup(1, Request({"storm"})).has_value());
  v1::TermStatsRequest title = Request({});
  title.add_terms()->set_term("storm");
  title.mutable_terms(0)->set_field(v1::FIELD_TITLE);
  EXPECT_FALSE(cache.Lookup(0, title).has_value());
  EXPECT_FALSE(cache.Lookup(0, Request({"storm", "flood"})).has_value());
}

TEST(TermStatsCacheTest, ANewVersionReplacesTheShardsAnswers) {
  TermStatsCache cache(1, 100);
  cache.Store(0, Request({"storm"}), Answer("a:7", 50, {3}));
  cache.Store(0, Request({"alert"}), Answer("a:8", 51, {4}));
  EXPECT_FALSE(cache.Lookup(0, Request({"storm"})).has_value());
  std::optional<v1::TermStatsResponse> known = cache.Lookup(0, Request({"alert"}));
  ASSERT_TRUE(known.has_value());
  EXPECT_EQ(known->statistics_version(), "a:8");
  EXPECT_EQ(known->collection().document_count(), 51u);
}

TEST(TermStatsCacheTest, ForgetDisabledUnversionedPrefixesAndFullShards) {
  TermStatsCache cache(1, 2);
  cache.Store(0, Request({"storm"}), Answer("a:7", 50, {3}));
  cache.Forget(0);
  EXPECT_FALSE(cache.Lookup(0, Request({"storm"})).has_value());

  cache.Store(0, Request({"storm"}), Answer("", 50, {3}));  // a shard without versions
  EXPECT_FALSE(cache.Lookup(0, Request({"storm"})).has_value());

  cache.Store(0, Request({"storm", "alert"}), Answer("a:7", 50, {3, 4}));
  v1::TermStatsRequest with_prefix = Request({"storm"});
  with_prefix.add_prefixes()->set_term("al");
  EXPECT_FALSE(cache.Lookup(0, with_prefix).has_value());

  // Past max_terms_per_shard the shard starts again from the new answer.
  cache.Store(0, Request({"flood"}), Answer("a:7", 50, {5}));
  EXPECT_FALSE(cache.Lookup(0, Request({"storm"})).has_value());
  EXPECT_TRUE(cache.Lookup(0, Request({"flood"})).has_value());

  TermStatsCache disabled(1, 0);
  disabled.Store(0, Request({"storm"}), Answer("a:7", 50, {3}));
  EXPECT_FALSE(disabled.Lookup(0, Request({"storm"})).has_value());
}

}  // namespace
}  // namespace loupe::query
