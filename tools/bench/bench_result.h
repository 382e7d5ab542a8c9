// The figures of one loupe-bench run and their JSON line, with the field
// names of ../shared/peers/lib/summarize.py so that loupe and the peer
// engines land in the same table:
//   {"engine", "version", "corpus", "docs", "text_mb", "index_s", "index_wall_s",
//    "docs_per_s", "mb_per_s", "index_peak_rss_mb", "index_mb", "index_to_text",
//    "queries", "language", "or": {...}, "and": {...}}
// where each mode object has p50_ms, p95_ms, p99_ms, mean_ms, qps,
// timed_queries, zero_hit_queries and, with qrels, ndcg@10, recall@100,
// eval_queries. Percentiles are nearest rank over all timed queries; QPS =
// timed queries / sum of their latencies (as the peers compute them).
// Extra keys (e.g. "ack_to_searchable_p50_ms") are appended at the end.
//
//   ModeFigures or_figures = SummariseLatencies(latencies_ms, zero_hit_queries);
//   BenchResult result{.engine = "loupe-engine", ...};
//   std::cout << ToJsonLine(result) << "\n";
#ifndef LOUPE_TOOLS_BENCH_BENCH_RESULT_H_
#define LOUPE_TOOLS_BENCH_BENCH_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace loupe::bench {

struct ModeFigures {
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, mean_ms = 0, qps = 0;
  int64_t timed_queries = 0;
  int64_t zero_hit_queries = 0;
  // Set when qrels exist.
  std::optional<double> ndcg10;
  std::optional<double> recall100;
  int eval_queries = 0;
};

struct BenchResult {
  std::string engine;
  std::string version;
  std::string corpus;
  int64_t docs = 0;
  uint64_t text_bytes = 0;
  double index_s = 0;
  double index_wall_s = 0;
  // 0 when not measured (e.g. the cluster's RSS is in other processes).
  double peak_rss_mb = 0;
  uint64_t index_bytes = 0;
  int64_t queries = 0;
  std::string language = "english";
  std::optional<ModeFigures> or_mode;
  std::optional<ModeFigures> and_mode;
  // Extra numeric keys, printed after the standard ones, in order.
  std::vector<std::pair<std::string, double>> extra;
};

// Nearest-rank percentile `q` (0..1] of `sorted` (ascending); 0 when empty.
double NearestRank(const std::vector<double>& sorted, double q);

// Latency figures of one mode from per-query wall times in ms.
ModeFigures SummariseLatencies(std::vector<double> latencies_ms, int64_t zero_hit_queries);

// One line of JSON, no trailing newline. Unknown figures are null.
std::string ToJsonLine(const BenchResult& result);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_BENCH_RESULT_H_
