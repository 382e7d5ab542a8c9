// loupe-eval: runs a test collection's queries through QueryService.Search,
// writes a TREC run file and prints trec_eval-style metrics (trec_metrics.h).
// Flags and wiring only.
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/flags.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "tools/eval/search_runner.h"
#include "tools/eval/trec_files.h"
#include "tools/eval/trec_metrics.h"

ABSL_FLAG(std::string, query, "localhost:50052", "QueryService address (host:port)");
ABSL_FLAG(std::string, queries, "", "Queries, JSON Lines {\"id\", \"text\"} (required)");
ABSL_FLAG(std::string, qrels, "", "Judgements: qid TAB docid TAB grade (required)");
ABSL_FLAG(std::string, run_out, "", "TREC run file to write (required)");
ABSL_FLAG(uint32_t, limit, 1000, "Hits per query (1-1000); the run's depth");
ABSL_FLAG(std::string, lang, "",
          "SearchRequest.lang for every query (needs the proto field); empty: not sent");
ABSL_FLAG(std::string, tag, "loupe", "Run tag (last column of the run file)");
ABSL_FLAG(int32_t, parallel, 4, "Search calls in flight");
ABSL_FLAG(int64_t, timeout_ms, 30000, "Deadline per Search call");
ABSL_FLAG(bool, json, false, "Print the metrics as one JSON object instead of a table");

namespace {

constexpr char kUsage[] =
    "loupe-eval --query=HOST:PORT --queries=queries.jsonl --qrels=qrels.tsv --run_out=run.trec "
    "[--limit=1000] [--lang=en] [--tag=loupe] [--parallel=4] [--json]\n"
    "Sends every query (as a plain bag of words) through QueryService.Search, writes a TREC run "
    "file and prints nDCG@10, Recall@100, MAP, MRR@10 and Recall@10 computed as trec_eval -c "
    "does. Exit: 0 ok, 1 a query or a file failed, 2 bad usage.";

int Fail(int code, const std::string& message) {
  std::cerr << "loupe-eval: " << message << std::endl;
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  loupe::SetLogProgramName("loupe-eval");
  loupe::ParseFlags(argc, argv, kUsage);
  const std::string queries_path = absl::GetFlag(FLAGS_queries);
  const std::string qrels_path = absl::GetFlag(FLAGS_qrels);
  const std::string run_path = absl::GetFlag(FLAGS_run_out);
  if (queries_path.empty() || qrels_path.empty() || run_path.empty()) {
    return Fail(2, "--queries, --qrels and --run_out are required");
  }
  loupe::eval::SearchOptions options;
  options.limit = absl::GetFlag(FLAGS_limit);
  options.lang = absl::GetFlag(FLAGS_lang);
  options.parallel = absl::GetFlag(FLAGS_parallel);
  options.timeout_ms = absl::GetFlag(FLAGS_timeout_ms);
  loupe::eval::SearchRunner runner(loupe::MakeInternalChannel(absl::GetFlag(FLAGS_query)),
                                   options);
  if (absl::Status check = runner.Check(); !check.ok()) return Fail(2, check.ToString());

  auto queries = loupe::eval::ReadQueries(queries_path);
  if (!queries.ok()) return Fail(1, queries.status().ToString());
  auto qrels = loupe::eval::ReadQrels(qrels_path);
  if (!qrels.ok()) return Fail(1, qrels.status().ToString());

  const auto start = std::chrono::steady_clock::now();
  const std::vector<loupe::eval::QueryOutcome> outcomes = runner.RunAll(*queries);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::ofstream run_file(run_path, std::ios::trunc);
  if (!run_file) return Fail(1, absl::StrCat("cannot write ", run_path));
  loupe::eval::Run run;
  const std::string tag = absl::GetFlag(FLAGS_tag);
  int failed = 0;
  int empty = 0;
  for (const loupe::eval::QueryOutcome& outcome : outcomes) {
    if (!outcome.status.ok()) {
      if (failed++ < 5) std::cerr << "loupe-eval: " << outcome.status.ToString() << std::endl;
      continue;
    }
    if (outcome.no_searchable_term) ++empty;
    int rank = 0;
    for (const loupe::eval::ScoredDoc& hit : outcome.hits) {
      run_file << loupe::eval::RunLine(outcome.qid, hit.docid, ++rank, hit.score, tag);
      // Metrics use the score as written, so they match trec_eval on the file.
      run[outcome.qid].push_back({hit.docid, loupe::eval::RoundedScore(hit.score)});
    }
  }
  run_file.close();
  if (!run_file) return Fail(1, absl::StrCat("error writing ", run_path));

  const loupe::eval::Evaluation evaluation = loupe::eval::Evaluate(*qrels, run);
  const loupe::eval::QueryMetrics& mean = evaluation.mean;
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << absl::StrFormat(
                     "{\"queries\": %d, \"queries_evaluated\": %d, \"queries_with_results\": %d, "
                     "\"failed_queries\": %d, \"no_searchable_term\": %d, \"ndcg@10\": %.4f, "
                     "\"recall@100\": %.4f, \"map\": %.4f, \"mrr@10\": %.4f, \"recall@10\": %.4f, "
                     "\"seconds\": %.2f, \"qps\": %.1f}",
                     outcomes.size(), evaluation.queries_evaluated,
                     evaluation.queries_with_results, failed, empty, mean.ndcg_at_10,
                     mean.recall_at_100, mean.average_precision, mean.reciprocal_rank_at_10,
                     mean.recall_at_10, seconds, outcomes.empty() ? 0 : outcomes.size() / seconds)
              << std::endl;
  } else {
    std::cout << absl::StrFormat(
        "queries             %d (evaluated %d, with results %d, failed %d, nothing to search %d)\n"
        "ndcg_cut_10         %.4f\nrecall_100          %.4f\nmap                 %.4f\n"
        "recip_rank_cut_10   %.4f\nrecall_10           %.4f\n"
        "time                %.2f s (%.1f queries/s)\n",
        outcomes.size(), evaluation.queries_evaluated, evaluation.queries_with_results, failed,
        empty, mean.ndcg_at_10, mean.recall_at_100, mean.average_precision,
        mean.reciprocal_rank_at_10, mean.recall_at_10, seconds,
        outcomes.empty() ? 0 : outcomes.size() / seconds);
  }
  if (failed > 0) {
    return Fail(1, absl::StrCat(failed, " of ", outcomes.size(),
                                " queries failed; the run and the metrics are incomplete"));
  }
  return 0;
}
