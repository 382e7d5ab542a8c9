// Microbenchmarks of one shard: Apply throughput and Search latency on a
// synthetic collection, with a real RocksDB in a temporary folder, and the
// cost of one Fetch snippet.
//
//   ./build/release/bin/index_bench --benchmark_filter=Search
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "services/common/analysis/analyzer.h"
#include "services/index/index_engine.h"
#include "services/index/snippet.h"

namespace loupe {
namespace {

constexpr const char* kWords[] = {"market", "energy", "river",  "election", "storm",
                                  "vaccine", "court",  "budget", "harvest",  "rocket",
                                  "climate", "trade",  "music",  "science",  "football"};

std::string TempFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "loupe-bench-XXXXXX").string();
  return mkdtemp(pattern.data());
}

v1::ApplyRequest SyntheticBatch(int first, int count, uint64_t first_sequence) {
  v1::ApplyRequest request;
  request.set_shard_id(0);
  request.set_shard_count(1);
  for (int i = first; i < first + count; ++i) {
    v1::Operation* op = request.add_operations();
    op->set_sequence(first_sequence + (i - first));
    v1::Document* doc = op->mutable_upsert()->mutable_document();
    doc->set_id(absl::StrCat("doc-", i));
    doc->set_lang("en");
    doc->set_title(absl::StrCat(kWords[i % 15], " ", kWords[(i / 15) % 15]));
    std::string body;
    for (int w = 0; w < 150; ++w) absl::StrAppend(&body, kWords[(i * 31 + w * 7 + w * w) % 15], " ");
    doc->set_body(body);
  }
  return request;
}

std::unique_ptr<IndexEngine> OpenOrDie(const std::string& dir) {
  RocksOptions rocks;
  rocks.sync_writes = false;
  absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
      IndexEngine::Open(dir, IndexEngineOptions{}, rocks);
  if (!engine.ok()) abort();
  return *std::move(engine);
}

void BM_Apply(benchmark::State& state) {
  const std::string dir = TempFolder();
  auto engine = OpenOrDie(dir);
  const int batch = static_cast<int>(state.range(0));
  int next = 0;
  for (auto _ : state) {
    if (!engine->Apply(SyntheticBatch(next, batch, next + 1)).ok()) abort();
    next += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(next));
  engine.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Apply)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Search(benchmark::State& state) {
  const std::string dir = TempFolder();
  auto engine = OpenOrDie(dir);
  const int documents = static_cast<int>(state.range(0));
  for (int first = 0; first < documents; first += 1000) {
    if (!engine->Apply(SyntheticBatch(first, 1000, first + 1)).ok()) abort();
  }
  v1::ShardSearchRequest request;
  request.set_limit(10);
  for (const char* term : {"storm", "river"}) {
    v1::TermClause* clause = request.mutable_plan()->add_clauses();
    clause->set_term(term);
  }
  v1::TermStatsRequest stats_request;
  for (const char* term : {"storm", "river"}) {
    for (v1::Field field : {v1::FIELD_TITLE, v1::FIELD_BODY}) {
      v1::FieldTerm* ft = stats_request.add_terms();
      ft->set_field(field);
      ft->set_term(term);
    }
  }
  absl::StatusOr<v1::TermStatsResponse> stats = engine->TermStats(stats_request);
  if (!stats.ok()) abort();
  *request.mutable_global_stats() = stats->collection();
  *request.mutable_stat_terms() = stats_request.terms();
  *request.mutable_stat_document_frequencies() = stats->document_frequencies();
  for (auto _ : state) {
    absl::StatusOr<v1::ShardSearchResponse> response = engine->Search(request);
    if (!response.ok()) abort();
    benchmark::DoNotOptimize(response->total_hits());
  }
  engine.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Search)->Arg(10000)->Unit(benchmark::kMillisecond);

// One Fetch snippet: a 130-word English passage (the size of the benchmark
// corpus's Wikipedia passages) and a three-word query, two of whose words
// it contains.
void BM_Snippet(benchmark::State& state) {
  const std::string body =
      "The river flooded the lower town after three days of heavy rain, and the storm that "
      "followed brought down power lines across the valley. Emergency services said the "
      "water had reached the first floor of several houses near the old bridge, where "
      "residents were evacuated during the night. Engineers are inspecting the dam upstream, "
      "which was built in the nineteen fifties and strengthened twenty years ago. The mayor "
      "asked people to stay away from the banks until the level falls, and schools will "
      "remain closed on Monday. Farmers reported losses in the orchards and the vineyards "
      "on both sides of the valley, and insurers expect thousands of claims. Forecasters "
      "warned that another storm could arrive by the end of the week, bringing strong "
      "winds and more rain to the hills, while the river is still running high.";
  const std::unique_ptr<Analyzer> analyzer = MakeDefaultAnalyzer();
  v1::QueryPlan plan;
  for (const char* word : {"storm", "river", "election"}) plan.add_clauses()->set_term(word);
  const SnippetTerms terms = SnippetTermsFromPlan(plan);
  for (auto _ : state) {
    benchmark::DoNotOptimize(MakeSnippet(*analyzer, body, "en", terms, kDefaultSnippetChars));
  }
}
BENCHMARK(BM_Snippet)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
