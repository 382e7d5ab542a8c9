#include "tools/bench/engine_bench.h"

#include <stdlib.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"
#include "services/index/index_engine.h"
#include "services/index/index_schema.h"
#include "services/query/plan_builder.h"
#include "services/query/query_parser.h"
#include "tools/eval/query_text.h"

namespace loupe::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double PeakRssMb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

uint64_t FolderBytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) bytes += entry.file_size(error);
  }
  return bytes;
}

absl::StatusOr<std::unique_ptr<IndexEngine>> OpenEngine(const std::string& dir,
                                                        const EngineBenchOptions& options) {
  RocksOptions rocks;
  rocks.block_cache_mb = options.block_cache_mb;
  rocks.row_cache_mb = options.row_cache_mb;
  IndexEngineOptions engine;
  engine.posting_cache_bytes = size_t{options.posting_cache_mb} << 20;
  return IndexEngine::Open(dir, engine, rocks);
}

// Asks the kernel to drop the folder's files from the page cache (they are
// closed and clean), so that the next reads come from the disk.
absl::Status EvictFromPageCache(const fs::path& dir) {
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error)) {
    if (!entry.is_regular_file(error)) continue;
    const int fd = open(entry.path().c_str(), O_RDONLY);
    if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", entry.path().string()));
    const int advice = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    if (advice != 0) {
      return absl::InternalError(absl::StrCat("posix_fadvise failed on ", entry.path().string()));
    }
  }
  return absl::OkStatus();
}

// Adds `figures` as extra keys "<prefix>_p50_ms", ... to the result.
void AddExtraFigures(const std::string& prefix, const ModeFigures& figures, BenchResult* result) {
  result->extra.emplace_back(prefix + "_p50_ms", figures.p50_ms);
  result->extra.emplace_back(prefix + "_p99_ms", figures.p99_ms);
  result->extra.emplace_back(prefix + "_qps", figures.qps);
}

// Removes the temporary folder on every path out of RunEngineBench.
struct TempFolder {
  std::string path;
  ~TempFolder() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

absl::Status Index(IndexEngine& engine, const BenchCorpus& corpus, int batch_documents) {
  uint64_t sequence = 0;
  for (size_t first = 0; first < corpus.documents.size(); first += batch_documents) {
    v1::ApplyRequest request;
    request.set_shard_id(0);
    request.set_shard_count(1);
    const size_t end = std::min(corpus.documents.size(), first + batch_documents);
    for (size_t i = first; i < end; ++i) {
      v1::Operation* op = request.add_operations();
      op->set_sequence(++sequence);
      *op->mutable_upsert()->mutable_document() = corpus.documents[i];
    }
    absl::StatusOr<v1::ApplyResponse> applied = engine.Apply(request);
    if (!applied.ok()) return applied.status();
  }
  return absl::OkStatus();
}

// One shard's share of loupe-query's work for one query.
class EngineSearcher {
 public:
  EngineSearcher(const IndexEngine& engine, const query::PlanRanking& ranking,
                 std::string query_lang)
      : engine_(engine),
        builder_(/*max_clauses=*/1024, query::DefaultQueryLanguages(), ranking),
        query_lang_(std::move(query_lang)) {
    limits_.max_query_bytes = 1 << 16;
    limits_.max_clauses = 1024;
  }

  absl::StatusOr<std::vector<eval::ScoredDoc>> Search(const std::string& text, QueryMode mode,
                                                      uint32_t k) const {
    std::vector<eval::ScoredDoc> hits;
    const std::string words = eval::ToBagOfWords(text);
    if (words.empty()) return hits;
    absl::StatusOr<query::ParsedQuery> parsed = query::ParseQuery(words, limits_);
    if (!parsed.ok()) return parsed.status();
    if (mode == QueryMode::kAnd) {
      for (query::ParsedNode& child : parsed->root.children) {
        if (child.occur == query::Occur::kShould) child.occur = query::Occur::kMust;
      }
    }
    absl::StatusOr<v1::QueryPlan> plan = builder_.Build(*parsed, query_lang_);
    if (!plan.ok()) {
      if (absl::StrContains(plan.status().message(), "no searchable term")) return hits;
      return plan.status();
    }
    // This one shard is the whole collection, so its own statistics are
    // the global ones (ShardSearchRequest.local_statistics).
    v1::ShardSearchRequest request;
    *request.mutable_plan() = *std::move(plan);
    request.set_limit(k);
    request.set_local_statistics(true);
    absl::StatusOr<v1::ShardSearchResponse> response = engine_.Search(request);
    if (!response.ok()) return response.status();
    hits.reserve(response->hits_size());
    for (const v1::ShardHit& hit : response->hits()) hits.push_back({hit.id(), hit.score()});
    return hits;
  }

 private:
  const IndexEngine& engine_;
  query::PlanBuilder builder_;
  // SearchRequest.lang: "" analyses each word in every default query language.
  std::string query_lang_;
  query::QueryParserLimits limits_;
};

}  // namespace

absl::StatusOr<BenchResult> RunEngineBench(const BenchCorpus& corpus,
                                           const EngineBenchOptions& options) {
  TempFolder folder;
  bool reuse = false;
  std::string index_dir = options.index_dir;
  if (!index_dir.empty()) {
    // A kept index: reused when it is already there, else built and kept.
    std::error_code error;
    reuse = fs::exists(fs::path(index_dir) / "CURRENT", error);
    fs::create_directories(index_dir, error);
  } else {
    const fs::path root =
        options.temp_root.empty() ? fs::temp_directory_path() : fs::path(options.temp_root);
    std::string pattern = (root / "loupe-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot create a folder under ", root.string()));
    }
    folder.path = pattern;
    index_dir = pattern;
  }

  BenchResult result;
  result.engine = "loupe-engine";
  result.corpus = corpus.name;
  result.docs = static_cast<int64_t>(corpus.documents.size());
  result.text_bytes = corpus.text_bytes;
  result.queries = static_cast<int64_t>(corpus.queries.size());

  const Clock::time_point wall_start = Clock::now();
  absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
      OpenEngine(index_dir, options);
  if (!engine.ok()) return engine.status();
  result.version = absl::StrCat("loupe-index (analyzer ", (*engine)->analyzer_version(), ")");
  const Clock::time_point index_start = Clock::now();
  if (reuse) {
    result.extra.emplace_back("reused_index", 1);
  } else {
    absl::Status indexed = Index(**engine, corpus, options.batch_documents);
    if (!indexed.ok()) return indexed;
  }
  // A reused index was not built here: no indexing figures (null).
  result.index_s = reuse ? 0 : Seconds(Clock::now() - index_start);
  result.peak_rss_mb = PeakRssMb();
  // Reopening flushes the memtables to SST files (WAL recovery).
  engine->reset();
  if (options.cold) LOUPE_RETURN_IF_ERROR(EvictFromPageCache(index_dir));
  engine = OpenEngine(index_dir, options);
  if (!engine.ok()) return engine.status();
  result.index_wall_s = Seconds(Clock::now() - wall_start);
  result.index_bytes = FolderBytes(index_dir);
  result.extra.emplace_back("block_cache_mb", static_cast<double>(options.block_cache_mb));
  result.extra.emplace_back("row_cache_mb", static_cast<double>(options.row_cache_mb));
  result.extra.emplace_back("posting_cache_mb", static_cast<double>(options.posting_cache_mb));
  result.extra.emplace_back("proximity", options.proximity ? 1.0 : 0.0);
  // The inverted index alone (posting blocks and term records) against the
  // text; stored fields for display come on top.
  const double inverted_bytes = static_cast<double>((*engine)->FamilyBytes(kPostingsFamily) +
                                                    (*engine)->FamilyBytes(kTermsFamily));
  result.extra.emplace_back("postings_terms_mb", inverted_bytes / 1e6);
  result.extra.emplace_back("postings_terms_to_text",
                            inverted_bytes / static_cast<double>(corpus.text_bytes));
  result.extra.emplace_back("stored_mb",
                            static_cast<double>((*engine)->FamilyBytes(kStoredFamily)) / 1e6);

  if (!corpus.queries.empty()) {
    query::PlanRanking ranking = query::DefaultPlanRanking();
    if (!options.proximity) ranking.proximity_boost = 0;
    EngineSearcher searcher(**engine, ranking, options.query_lang);
    SearchFunction search = [&searcher](const std::string& text, QueryMode mode, uint32_t k) {
      return searcher.Search(text, mode, k);
    };
    if (options.cold) {
      // One pass, straight after the eviction and a fresh block cache.
      TimingOptions cold = options.timing;
      cold.warmup_passes = -1;
      cold.timed_passes = 1;
      absl::StatusOr<ModeFigures> figures =
          TimeQueries(corpus.queries, search, QueryMode::kOr, cold, std::nullopt);
      if (!figures.ok()) return figures.status();
      AddExtraFigures("or_cold", *figures, &result);
    }
    for (QueryMode mode : {QueryMode::kOr, QueryMode::kAnd}) {
      if (!options.timing.Runs(mode)) continue;
      absl::StatusOr<ModeFigures> figures =
          TimeQueries(corpus.queries, search, mode, options.timing, corpus.qrels);
      if (!figures.ok()) return figures.status();
      (mode == QueryMode::kOr ? result.or_mode : result.and_mode) = *std::move(figures);
    }
  }
  return result;
}

}  // namespace loupe::bench
