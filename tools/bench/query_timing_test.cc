#include "tools/bench/query_timing.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace loupe::bench {
namespace {

TEST(AutoPassesTest, EnoughForTheMinimumClamped) {
  EXPECT_EQ(AutoPasses(300, 500), 2);
  EXPECT_EQ(AutoPasses(500, 500), 1);
  EXPECT_EQ(AutoPasses(1, 500), 50);
  EXPECT_EQ(AutoPasses(0, 500), 0);
}

TEST(TimeQueriesTest, CountsPassesZeroHitsAndQuality) {
  std::vector<eval::EvalQuery> queries = {{"q1", "storm"}, {"q2", "nothing"}};
  std::map<std::string, int> calls;
  std::vector<uint32_t> depths;
  SearchFunction search = [&](const std::string& text, QueryMode mode,
                              uint32_t k) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
    EXPECT_EQ(mode, QueryMode::kAnd);
    ++calls[text];
    depths.push_back(k);
    if (text == "nothing") return std::vector<eval::ScoredDoc>{};
    return std::vector<eval::ScoredDoc>{{"d1", 2.0}, {"d2", 1.0}};
  };
  eval::Qrels qrels = {{"q1", {{"d2", 1}}}, {"q2", {{"d9", 1}}}};
  TimingOptions options;
  options.warmup_passes = 2;
  options.timed_passes = 3;
  absl::StatusOr<ModeFigures> figures =
      TimeQueries(queries, search, QueryMode::kAnd, options, qrels);
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(calls["storm"], 2 + 3 + 1);  // warmup, timed, quality pass
  EXPECT_EQ(figures->timed_queries, 6);
  EXPECT_EQ(figures->zero_hit_queries, 1);
  EXPECT_EQ(depths.back(), 100u);
  EXPECT_EQ(depths.front(), 10u);
  ASSERT_TRUE(figures->ndcg10.has_value());
  // q1: d2 at rank 2 -> 1/log2(3); q2: nothing -> 0.
  EXPECT_NEAR(*figures->ndcg10, (1 / 1.5849625007211562) / 2, 1e-9);
  EXPECT_DOUBLE_EQ(*figures->recall100, 0.5);
  EXPECT_EQ(figures->eval_queries, 2);
}

TEST(TimeQueriesTest, ASearchErrorNamesTheQuery) {
  std::vector<eval::EvalQuery> queries = {{"q7", "x"}};
  SearchFunction search = [](const std::string&, QueryMode,
                             uint32_t) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
    return absl::UnavailableError("shard down");
  };
  absl::StatusOr<ModeFigures> figures =
      TimeQueries(queries, search, QueryMode::kOr, TimingOptions{}, std::nullopt);
  ASSERT_FALSE(figures.ok());
  EXPECT_EQ(figures.status().message(), "or query q7: shard down");
}

}  // namespace
}  // namespace loupe::bench
