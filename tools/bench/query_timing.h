// Times a query set against any search function, the way ../shared/peers
// does: single thread, back to back; untimed warmup passes first, then timed
// passes (each query's wall time covers planning, search and the top-k ids),
// then one untimed pass at depth 100 for nDCG@10 / Recall@100 when qrels
// exist (computed with tools/eval/trec_metrics.h, trec_eval -c semantics).
//
// Passes: "auto" (0) = enough passes for at least 500 queries, 1 to 50, as
// peers/run.sh's WARMUP and REPEAT defaults.
//
//   SearchFunction search = [&](const std::string& text, QueryMode mode, uint32_t k) {...};
//   absl::StatusOr<ModeFigures> figures =
//       TimeQueries(corpus.queries, search, QueryMode::kOr, {.timed_passes = 0}, &corpus.qrels);
#ifndef LOUPE_TOOLS_BENCH_QUERY_TIMING_H_
#define LOUPE_TOOLS_BENCH_QUERY_TIMING_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/bench_result.h"
#include "tools/eval/trec_files.h"
#include "tools/eval/trec_metrics.h"

namespace loupe::bench {

// kOr: the query's terms OR-ed, ranked; kAnd: every term required, ranked.
enum class QueryMode { kOr, kAnd };

// "or" / "and".
const char* QueryModeName(QueryMode mode);

// The ranked hits of `text` (raw query text) in `mode`, at most `k`. A query
// with nothing to search returns no hits, not an error.
using SearchFunction = std::function<absl::StatusOr<std::vector<eval::ScoredDoc>>(
    const std::string& text, QueryMode mode, uint32_t k)>;

struct TimingOptions {
  // Untimed and timed passes over the whole query set; 0 = auto; a
  // negative warmup = none (cold measurements).
  int warmup_passes = 0;
  int timed_passes = 0;
  uint32_t top_k = 10;
  uint32_t eval_depth = 100;
  // Which modes a bench times (loupe-bench --modes).
  bool run_or = true;
  bool run_and = true;
  bool Runs(QueryMode mode) const { return mode == QueryMode::kOr ? run_or : run_and; }
};

// The queries an "auto" pass count aims at (peers/run.sh's MIN_WARMUP and
// MIN_TIMED).
inline constexpr int kMinAutoQueries = 500;

// Passes over `query_count` queries for at least `min_queries` (1..50).
int AutoPasses(size_t query_count, int min_queries);

absl::StatusOr<ModeFigures> TimeQueries(const std::vector<eval::EvalQuery>& queries,
                                        const SearchFunction& search, QueryMode mode,
                                        const TimingOptions& options,
                                        const std::optional<eval::Qrels>& qrels);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_QUERY_TIMING_H_
