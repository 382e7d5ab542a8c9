#include "tools/bench/query_timing.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace loupe::bench {

const char* QueryModeName(QueryMode mode) { return mode == QueryMode::kOr ? "or" : "and"; }

int AutoPasses(size_t query_count, int min_queries) {
  if (query_count == 0) return 0;
  const size_t passes = (static_cast<size_t>(min_queries) + query_count - 1) / query_count;
  return static_cast<int>(std::clamp<size_t>(passes, 1, 50));
}

absl::StatusOr<ModeFigures> TimeQueries(const std::vector<eval::EvalQuery>& queries,
                                        const SearchFunction& search, QueryMode mode,
                                        const TimingOptions& options,
                                        const std::optional<eval::Qrels>& qrels) {
  const int warmup = options.warmup_passes > 0    ? options.warmup_passes
                     : options.warmup_passes < 0 ? 0
                                                 : AutoPasses(queries.size(), kMinAutoQueries);
  const int timed = options.timed_passes > 0 ? options.timed_passes
                                             : AutoPasses(queries.size(), kMinAutoQueries);
  auto run_one = [&](const eval::EvalQuery& query,
                     uint32_t k) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
    absl::StatusOr<std::vector<eval::ScoredDoc>> hits = search(query.text, mode, k);
    if (!hits.ok()) {
      return absl::Status(hits.status().code(),
                          absl::StrCat(QueryModeName(mode), " query ", query.id, ": ",
                                       hits.status().message()));
    }
    return hits;
  };

  for (int pass = 0; pass < warmup; ++pass) {
    for (const eval::EvalQuery& query : queries) {
      absl::StatusOr<std::vector<eval::ScoredDoc>> hits = run_one(query, options.top_k);
      if (!hits.ok()) return hits.status();
    }
  }

  std::vector<double> latencies_ms;
  latencies_ms.reserve(queries.size() * static_cast<size_t>(timed));
  std::set<std::string> zero_hit;
  for (int pass = 0; pass < timed; ++pass) {
    for (const eval::EvalQuery& query : queries) {
      const auto start = std::chrono::steady_clock::now();
      absl::StatusOr<std::vector<eval::ScoredDoc>> hits = run_one(query, options.top_k);
      const auto end = std::chrono::steady_clock::now();
      if (!hits.ok()) return hits.status();
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
      if (hits->empty()) zero_hit.insert(query.id);
    }
  }
  ModeFigures figures =
      SummariseLatencies(std::move(latencies_ms), static_cast<int64_t>(zero_hit.size()));

  if (qrels && options.eval_depth > 0) {
    eval::Run run;
    for (const eval::EvalQuery& query : queries) {
      absl::StatusOr<std::vector<eval::ScoredDoc>> hits = run_one(query, options.eval_depth);
      if (!hits.ok()) return hits.status();
      // Scores as a run file would hold them, so that the figures agree with
      // trec_eval reading our run.
      for (eval::ScoredDoc& hit : *hits) hit.score = eval::RoundedScore(hit.score);
      run[query.id] = *std::move(hits);
    }
    const eval::Evaluation evaluation = eval::Evaluate(*qrels, run);
    figures.ndcg10 = evaluation.mean.ndcg_at_10;
    figures.recall100 = evaluation.mean.recall_at_100;
    figures.eval_queries = evaluation.queries_evaluated;
  }
  return figures;
}

}  // namespace loupe::bench
