#include "tools/bench/query_throughput.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace loupe::bench {
namespace {

TEST(TimeThroughputTest, EveryClientRunsEveryQueryConcurrently) {
  const std::vector<eval::EvalQuery> queries = {{"q1", "a"}, {"q2", "b"}, {"q3", "c"}};
  std::mutex mutex;
  std::map<std::string, int> calls;
  std::atomic<int> in_flight{0};
  std::atomic<int> most_in_flight{0};
  SearchFunction search = [&](const std::string& text, QueryMode mode,
                              uint32_t k) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
    EXPECT_EQ(mode, QueryMode::kOr);
    EXPECT_EQ(k, 10u);
    const int now = ++in_flight;
    int most = most_in_flight.load();
    while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --in_flight;
    std::lock_guard<std::mutex> lock(mutex);
    ++calls[text];
    return std::vector<eval::ScoredDoc>{{"d1", 1.0}};
  };
  absl::StatusOr<ThroughputFigures> figures =
      TimeThroughput(queries, search, QueryMode::kOr, /*clients=*/3, /*passes=*/2, 10);
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->clients, 3);
  EXPECT_EQ(figures->queries, 3 * 3 * 2);
  for (const char* text : {"a", "b", "c"}) EXPECT_EQ(calls[text], 3 * 2) << text;
  // Each call sleeps 2 ms: the clients did overlap, and the figures agree.
  EXPECT_GT(most_in_flight.load(), 1);
  EXPECT_GE(figures->p50_ms, 2.0);
  EXPECT_LE(figures->p50_ms, figures->p99_ms);
  EXPECT_NEAR(figures->qps, static_cast<double>(figures->queries) / figures->wall_s, 1e-9);
}

TEST(TimeThroughputTest, AnErrorNamesTheQueryAndTheClient) {
  const std::vector<eval::EvalQuery> queries = {{"q1", "fine"}, {"q9", "broken"}};
  SearchFunction search = [](const std::string& text, QueryMode,
                             uint32_t) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
    if (text == "broken") return absl::DeadlineExceededError("too slow");
    return std::vector<eval::ScoredDoc>{};
  };
  absl::StatusOr<ThroughputFigures> figures =
      TimeThroughput(queries, search, QueryMode::kAnd, /*clients=*/1, /*passes=*/1, 10);
  ASSERT_FALSE(figures.ok());
  EXPECT_EQ(figures.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(figures.status().message(), "and query q9 (client 0): too slow");
}

TEST(TimeThroughputTest, NothingToRunGivesEmptyFigures) {
  SearchFunction never = [](const std::string&, QueryMode,
                            uint32_t) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
    ADD_FAILURE() << "called";
    return std::vector<eval::ScoredDoc>{};
  };
  absl::StatusOr<ThroughputFigures> figures = TimeThroughput({}, never, QueryMode::kOr, 4, 1, 10);
  ASSERT_TRUE(figures.ok());
  EXPECT_EQ(figures->queries, 0);
  EXPECT_EQ(figures->qps, 0);
}

}  // namespace
}  // namespace loupe::bench
