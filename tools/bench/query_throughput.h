// Throughput of a query set under concurrent clients: `clients` threads
// each run the whole set `passes` times, back to back, from their own
// starting query (so they do not ask the same query at once), and the
// figures are queries per second of wall time, with the per-query latency
// percentiles under that load. This is what a service can take, where
// TimeQueries (query_timing.h) times one query at a time as the peers do.
//
// `search` is called from several threads at once and must allow it (a
// gRPC stub does). Nothing is warmed here: run TimeQueries first.
//
//   absl::StatusOr<ThroughputFigures> figures =
//       TimeThroughput(corpus.queries, search, QueryMode::kOr, /*clients=*/4,
//                      /*passes=*/2, /*top_k=*/10);
#ifndef LOUPE_TOOLS_BENCH_QUERY_THROUGHPUT_H_
#define LOUPE_TOOLS_BENCH_QUERY_THROUGHPUT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/query_timing.h"

namespace loupe::bench {

struct ThroughputFigures {
  int clients = 0;
  int64_t queries = 0;  // completed, all clients together
  double wall_s = 0;
  double qps = 0;  // queries / wall_s
  double p50_ms = 0;
  double p99_ms = 0;
};

// The first error stops the run and is returned, naming the query.
absl::StatusOr<ThroughputFigures> TimeThroughput(const std::vector<eval::EvalQuery>& queries,
                                                 const SearchFunction& search, QueryMode mode,
                                                 int clients, int passes, uint32_t top_k);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_QUERY_THROUGHPUT_H_
