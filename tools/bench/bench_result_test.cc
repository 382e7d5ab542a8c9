#include "tools/bench/bench_result.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace loupe::bench {
namespace {

TEST(NearestRankTest, MatchesPeersSummarize) {
  // summarize.py: sorted[max(0, ceil(q * n) - 1)].
  const std::vector<double> sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(NearestRank(sorted, 0.50), 5);
  EXPECT_EQ(NearestRank(sorted, 0.95), 10);
  EXPECT_EQ(NearestRank(sorted, 0.99), 10);
  EXPECT_EQ(NearestRank({7}, 0.5), 7);
  EXPECT_EQ(NearestRank({}, 0.5), 0);
}

TEST(SummariseLatenciesTest, QpsIsQueriesOverSummedLatency) {
  ModeFigures figures = SummariseLatencies({4.0, 1.0, 3.0, 2.0}, 1);
  EXPECT_EQ(figures.timed_queries, 4);
  EXPECT_EQ(figures.zero_hit_queries, 1);
  EXPECT_DOUBLE_EQ(figures.p50_ms, 2.0);
  EXPECT_DOUBLE_EQ(figures.p99_ms, 4.0);
  EXPECT_DOUBLE_EQ(figures.mean_ms, 2.5);
  EXPECT_DOUBLE_EQ(figures.qps, 400.0);  // 4 queries in 10 ms
}

TEST(ToJsonLineTest, UsesThePeersFieldNames) {
  BenchResult result;
  result.engine = "loupe-engine";
  result.corpus = "beir-scifact";
  result.docs = 1000;
  result.text_bytes = 2000000;
  result.index_s = 0.5;
  result.peak_rss_mb = 100;
  result.index_bytes = 1000000;
  ModeFigures or_mode = SummariseLatencies({1.0, 1.0}, 0);
  or_mode.ndcg10 = 0.5;
  or_mode.recall100 = 0.75;
  or_mode.eval_queries = 2;
  result.or_mode = or_mode;
  result.extra.emplace_back("ack_to_searchable_p50_ms", 12.5);
  result.extra.emplace_back("created_docs", 1000);
  const std::string json = ToJsonLine(result);
  EXPECT_NE(json.find("\"engine\": \"loupe-engine\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"docs_per_s\": 2000.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"mb_per_s\": 4.00"), std::string::npos) << json;
  EXPECT_NE(json.find("\"index_peak_rss_mb\": 100.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"index_mb\": 1.00"), std::string::npos) << json;
  EXPECT_NE(json.find("\"index_to_text\": 0.500"), std::string::npos) << json;
  EXPECT_NE(json.find("\"or\": {\"p50_ms\": 1.000"), std::string::npos) << json;
  EXPECT_NE(json.find("\"qps\": 1000.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ndcg@10\": 0.5000, \"recall@100\": 0.7500"), std::string::npos) << json;
  EXPECT_NE(json.find("\"and\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ack_to_searchable_p50_ms\": 12.500, \"created_docs\": 1000}"), std::string::npos) << json;
}

TEST(ToJsonLineTest, UnmeasuredFiguresAreNull) {
  BenchResult result;
  result.engine = "loupe-cluster";
  const std::string json = ToJsonLine(result);
  EXPECT_NE(json.find("\"docs_per_s\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"index_peak_rss_mb\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"index_to_text\": null"), std::string::npos) << json;
}

}  // namespace
}  // namespace loupe::bench
