#include "tools/bench/bench_result.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/log.h"

namespace loupe::bench {
namespace {

// Rounded like summarize.py's round(x, digits); null for "not measured".
std::string Number(double value, int digits) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.*f", digits, value);
}

std::string ModeJson(const std::optional<ModeFigures>& mode) {
  if (!mode) return "null";
  std::string json = absl::StrCat(
      "{\"p50_ms\": ", Number(mode->p50_ms, 3), ", \"p95_ms\": ", Number(mode->p95_ms, 3),
      ", \"p99_ms\": ", Number(mode->p99_ms, 3), ", \"mean_ms\": ", Number(mode->mean_ms, 3),
      ", \"qps\": ", Number(mode->qps, 1), ", \"timed_queries\": ", mode->timed_queries,
      ", \"zero_hit_queries\": ", mode->zero_hit_queries);
  if (mode->ndcg10) {
    absl::StrAppend(&json, ", \"ndcg@10\": ", Number(*mode->ndcg10, 4),
                    ", \"recall@100\": ", Number(*mode->recall100, 4),
                    ", \"eval_queries\": ", mode->eval_queries);
  }
  absl::StrAppend(&json, "}");
  return json;
}

}  // namespace

double NearestRank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

ModeFigures SummariseLatencies(std::vector<double> latencies_ms, int64_t zero_hit_queries) {
  ModeFigures figures;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  figures.timed_queries = static_cast<int64_t>(latencies_ms.size());
  figures.zero_hit_queries = zero_hit_queries;
  if (latencies_ms.empty()) return figures;
  const double total = std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0);
  figures.p50_ms = NearestRank(latencies_ms, 0.50);
  figures.p95_ms = NearestRank(latencies_ms, 0.95);
  figures.p99_ms = NearestRank(latencies_ms, 0.99);
  figures.mean_ms = total / static_cast<double>(latencies_ms.size());
  figures.qps = total > 0 ? static_cast<double>(latencies_ms.size()) / (total / 1000.0) : 0;
  return figures;
}

std::string ToJsonLine(const BenchResult& r) {
  const double nan = std::nan("");
  const double text_mb = static_cast<double>(r.text_bytes) / 1e6;
  const bool timed = r.index_s > 0;
  std::string json = absl::StrCat(
      "{\"engine\": ", JsonString(r.engine), ", \"version\": ", JsonString(r.version),
      ", \"corpus\": ", JsonString(r.corpus), ", \"docs\": ", r.docs,
      ", \"text_mb\": ", Number(text_mb, 2), ", \"index_s\": ", Number(r.index_s, 3),
      ", \"index_wall_s\": ", Number(r.index_wall_s, 2),
      ", \"docs_per_s\": ", Number(timed ? r.docs / r.index_s : nan, 1),
      ", \"mb_per_s\": ", Number(timed ? text_mb / r.index_s : nan, 2),
      ", \"index_peak_rss_mb\": ", Number(r.peak_rss_mb > 0 ? r.peak_rss_mb : nan, 1),
      ", \"index_mb\": ", Number(r.index_bytes > 0 ? r.index_bytes / 1e6 : nan, 2),
      ", \"index_to_text\": ",
      Number(r.index_bytes > 0 && r.text_bytes > 0
                 ? static_cast<double>(r.index_bytes) / static_cast<double>(r.text_bytes)
                 : nan,
             3),
      ", \"queries\": ", r.queries, ", \"language\": ", JsonString(r.language),
      ", \"or\": ", ModeJson(r.or_mode), ", \"and\": ", ModeJson(r.and_mode));
  for (const auto& [key, value] : r.extra) {
    const bool integral = std::isfinite(value) && value == std::floor(value);
    absl::StrAppend(&json, ", ", JsonString(key), ": ", Number(value, integral ? 0 : 3));
  }
  absl::StrAppend(&json, "}");
  return json;
}

}  // namespace loupe::bench
