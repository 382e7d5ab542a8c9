#include "tools/bench/query_throughput.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tools/bench/bench_result.h"

namespace loupe::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

absl::StatusOr<ThroughputFigures> TimeThroughput(const std::vector<eval::EvalQuery>& queries,
                                                 const SearchFunction& search, QueryMode mode,
                                                 int clients, int passes, uint32_t top_k) {
  ThroughputFigures figures;
  figures.clients = clients;
  if (queries.empty() || clients < 1 || passes < 1) return figures;

  const size_t n = queries.size();
  std::vector<std::vector<double>> latencies_ms(static_cast<size_t>(clients));
  std::vector<absl::Status> errors(static_cast<size_t>(clients));
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        const size_t client = static_cast<size_t>(c);
        const size_t first = n * client / static_cast<size_t>(clients);
        latencies_ms[client].reserve(n * static_cast<size_t>(passes));
        for (int pass = 0; pass < passes; ++pass) {
          for (size_t i = 0; i < n && !failed.load(std::memory_order_relaxed); ++i) {
            const eval::EvalQuery& query = queries[(first + i) % n];
            const Clock::time_point asked = Clock::now();
            absl::StatusOr<std::vector<eval::ScoredDoc>> hits = search(query.text, mode, top_k);
            if (!hits.ok()) {
              errors[client] = absl::Status(
                  hits.status().code(), absl::StrCat(QueryModeName(mode), " query ", query.id,
                                                     " (client ", c, "): ",
                                                     hits.status().message()));
              failed = true;
              return;
            }
            latencies_ms[client].push_back(Ms(Clock::now() - asked));
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  figures.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  for (const absl::Status& error : errors) {
    if (!error.ok()) return error;
  }

  std::vector<double> all;
  for (std::vector<double>& client : latencies_ms) {
    all.insert(all.end(), client.begin(), client.end());
  }
  std::sort(all.begin(), all.end());
  figures.queries = static_cast<int64_t>(all.size());
  figures.qps = figures.wall_s > 0 ? static_cast<double>(all.size()) / figures.wall_s : 0;
  figures.p50_ms = NearestRank(all, 0.50);
  figures.p99_ms = NearestRank(all, 0.99);
  return figures;
}

}  // namespace loupe::bench
