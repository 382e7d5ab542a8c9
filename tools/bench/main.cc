// loupe-bench: measures Loupe on a corpus the way ../shared/peers measures
// Xapian, SQLite FTS5, PostgreSQL and Lucene, and prints one JSON line with
// the peers' field names (bench_result.h). Flags and wiring only; the
// cluster connection flags (--ingest, --query, --parallel, --batch_size,
// --timeout_ms, --api_key, TLS) are the `loupe` client's (tools/cli).
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/flags.h"
#include "services/common/log.h"
#include "tools/bench/bench_corpus.h"
#include "tools/bench/bench_result.h"
#include "tools/bench/cluster_bench.h"
#include "tools/bench/engine_bench.h"
#include "tools/cli/cli_flags.h"  // --ingest, --query, --parallel, --batch_size, --api_key, TLS

ABSL_FLAG(std::string, engine, "", "CORPUS_DIR: benchmark one shard's engine in-process");
ABSL_FLAG(std::string, cluster, "", "CORPUS_DIR: benchmark a running cluster over gRPC");
ABSL_FLAG(int64_t, docs, 0, "Index only the first N documents of the corpus; 0 = all");
ABSL_FLAG(std::string, queries, "",
          "Queries file, JSON Lines {\"id\", \"text\"}; default CORPUS_DIR/queries.jsonl "
          "(quality is computed only for the corpus's own queries with its qrels.tsv)");
ABSL_FLAG(int32_t, rounds, 0,
          "Timed passes over the query set; 0 = enough for 500 queries (1-50), as peers/run.sh");
ABSL_FLAG(int32_t, warmup, 0, "Untimed passes before timing; 0 = enough for 500 queries (1-50)");
ABSL_FLAG(std::string, lang, "",
          "Language given to documents that have no \"lang\"; empty = fr when LANGUAGE_STEM=french "
          "(the peers' setting), else en");
ABSL_FLAG(std::string, tmpdir, "", "--engine: parent of the temporary index folder");
ABSL_FLAG(std::string, modes, "or,and", "Query modes to time: or, and, or both (or,and)");
ABSL_FLAG(std::string, index_dir, "",
          "--engine: keep the index in this folder; reuse it (no indexing) when it holds one");
ABSL_FLAG(uint64_t, block_cache_mb, 256, "--engine: RocksDB block cache of the engine, MiB");
ABSL_FLAG(uint64_t, row_cache_mb, 64,
          "--engine: RocksDB row cache of the engine, MiB (0: none)");
ABSL_FLAG(uint64_t, posting_cache_mb, 256,
          "--engine: posting lists the searches share, MiB (0: none; the shard's flag)");
ABSL_FLAG(bool, proximity, true,
          "--engine: plan loupe-query's proximity phrases; false = plain BM25 over the words, "
          "as the peers run");
ABSL_FLAG(std::string, query_lang, "",
          "--engine: the queries' language (SearchRequest.lang); empty = every default query "
          "language (en, fr, und), as loupe-query without lang");
ABSL_FLAG(bool, cold, false,
          "--engine: also time one OR pass with the index out of the page cache and an empty "
          "block cache (or_cold_* keys)");
ABSL_FLAG(int32_t, visibility_samples, 20,
          "--cluster: ack-to-searchable samples (0 = skip that measurement)");
ABSL_FLAG(int32_t, query_clients, 0,
          "--cluster: after the one-at-a-time timing, run the queries again from N concurrent "
          "clients (throughput: or_clients_* / and_clients_* keys); 0 = not");

namespace {

constexpr char kUsage[] =
    "loupe-bench --engine CORPUS_DIR [--docs=N] [--queries=FILE] [--rounds=N]\n"
    "loupe-bench --cluster CORPUS_DIR [--ingest=H:P] [--query=H:P] [--docs=N] [--queries=FILE]\n"
    "Indexes the corpus (CORPUS_DIR/corpus.jsonl.gz), times OR and AND top-10 queries single "
    "threaded and warm, computes nDCG@10 / Recall@100 when qrels exist, and prints one JSON "
    "line with the fields of ../shared/peers/run.sh. Exit: 0 ok, 1 failure, 2 bad usage.";

// The language of documents without one: --lang, or, when it is empty, the
// one the peers' harness is given with LANGUAGE_STEM (english, french), so
// that one environment sets both sides of a comparison.
std::string DocumentLanguage() {
  const std::string lang = absl::GetFlag(FLAGS_lang);
  if (!lang.empty()) return lang;
  const char* stem = std::getenv("LANGUAGE_STEM");
  return stem != nullptr && absl::string_view(stem) == "french" ? "fr" : "en";
}

// The peers' "language" value for a language code.
std::string LanguageName(const std::string& lang) {
  if (lang == "en") return "english";
  if (lang == "fr") return "french";
  return lang;
}

int Fail(int code, const std::string& message) {
  std::cerr << "loupe-bench: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  loupe::SetLogProgramName("loupe-bench");
  loupe::ParseFlags(argc, argv, kUsage);
  const std::string engine_dir = absl::GetFlag(FLAGS_engine);
  const std::string cluster_dir = absl::GetFlag(FLAGS_cluster);
  if (engine_dir.empty() == cluster_dir.empty()) {
    return Fail(2, "give exactly one of --engine CORPUS_DIR and --cluster CORPUS_DIR");
  }
  if (absl::GetFlag(FLAGS_docs) < 0 || absl::GetFlag(FLAGS_rounds) < 0 ||
      absl::GetFlag(FLAGS_warmup) < 0 || absl::GetFlag(FLAGS_visibility_samples) < 0 ||
      absl::GetFlag(FLAGS_query_clients) < 0) {
    return Fail(2, "--docs, --rounds, --warmup, --visibility_samples and --query_clients must be "
                   ">= 0");
  }
  if (absl::GetFlag(FLAGS_parallel) < 1 || absl::GetFlag(FLAGS_batch_size) < 1 ||
      absl::GetFlag(FLAGS_batch_size) > 1000 || absl::GetFlag(FLAGS_timeout_ms) < 0) {
    return Fail(2, "--parallel must be >= 1, --batch_size 1-1000 and --timeout_ms >= 0");
  }

  loupe::bench::CorpusOptions corpus_options;
  corpus_options.corpus_dir = engine_dir.empty() ? cluster_dir : engine_dir;
  corpus_options.max_docs = static_cast<size_t>(absl::GetFlag(FLAGS_docs));
  corpus_options.queries_path = absl::GetFlag(FLAGS_queries);
  corpus_options.default_lang = DocumentLanguage();
  absl::StatusOr<loupe::bench::BenchCorpus> corpus = loupe::bench::LoadBenchCorpus(corpus_options);
  if (!corpus.ok()) return Fail(1, std::string(corpus.status().message()));
  loupe::LogInfo(absl::StrCat("corpus ", corpus->name, ": ", corpus->documents.size(), " docs, ",
                              corpus->text_bytes / 1000000.0, " MB text, ",
                              corpus->queries.size(), " queries",
                              corpus->qrels ? ", qrels" : "",
                              corpus->skipped_documents > 0
                                  ? absl::StrCat(", ", corpus->skipped_documents,
                                                 " documents without text skipped")
                                  : ""));

  loupe::bench::TimingOptions timing;
  timing.timed_passes = absl::GetFlag(FLAGS_rounds);
  timing.warmup_passes = absl::GetFlag(FLAGS_warmup);
  const std::string modes = absl::GetFlag(FLAGS_modes);
  if (modes != "or" && modes != "and" && modes != "or,and" && modes != "and,or") {
    return Fail(2, "--modes must be or, and, or or,and");
  }
  timing.run_or = absl::StrContains(modes, "or");
  timing.run_and = absl::StrContains(modes, "and");

  absl::StatusOr<loupe::bench::BenchResult> result;
  if (!engine_dir.empty()) {
    loupe::bench::EngineBenchOptions options;
    options.timing = timing;
    options.temp_root = absl::GetFlag(FLAGS_tmpdir);
    options.block_cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
    options.row_cache_mb = absl::GetFlag(FLAGS_row_cache_mb);
    options.posting_cache_mb = absl::GetFlag(FLAGS_posting_cache_mb);
    options.index_dir = absl::GetFlag(FLAGS_index_dir);
    options.cold = absl::GetFlag(FLAGS_cold);
    options.proximity = absl::GetFlag(FLAGS_proximity);
    options.query_lang = absl::GetFlag(FLAGS_query_lang);
    result = loupe::bench::RunEngineBench(*corpus, options);
  } else {
    loupe::bench::ClusterBenchOptions options;
    options.ingest_address = absl::GetFlag(FLAGS_ingest);
    options.query_address = absl::GetFlag(FLAGS_query);
    options.timing = timing;
    options.parallel = absl::GetFlag(FLAGS_parallel);
    options.batch_documents = absl::GetFlag(FLAGS_batch_size);
    if (absl::GetFlag(FLAGS_timeout_ms) > 0) options.timeout_ms = absl::GetFlag(FLAGS_timeout_ms);
    options.visibility_samples = absl::GetFlag(FLAGS_visibility_samples);
    options.query_clients = absl::GetFlag(FLAGS_query_clients);
    result = loupe::bench::RunClusterBench(*corpus, options);
  }
  if (!result.ok()) return Fail(1, result.status().ToString());
  result->language = LanguageName(corpus_options.default_lang);
  if (corpus->skipped_documents > 0) {
    result->extra.emplace_back("skipped_docs", static_cast<double>(corpus->skipped_documents));
  }
  std::cout << loupe::bench::ToJsonLine(*result) << std::endl;
  return 0;
}
