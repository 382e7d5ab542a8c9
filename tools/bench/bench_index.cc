// Google Benchmark microbenchmarks of one shard, complementing
// services/index/index_bench.cc (Apply throughput, a 2-term search over a
// 15-word vocabulary):
//  - BM_PostingDecode: decoding in-memory posting blocks (posting_block.h)
//    (items/s = integers decoded: docid, tf, field length, positions).
//  - BM_PostingScan: PostingStore::ForEach over one term's postings in a real
//    RocksDB, positions off (items/s = integers decoded: docid, tf, length).
//  - BM_TopK: OR and AND top-10 on one IndexEngine over a Zipf-distributed
//    vocabulary (so that common and rare terms mix, as in real text).
//  - BM_Snippet: one hit's snippet (snippet.h) from a long English body,
//    20 KiB of ASCII text like a man page's, or the same with accents.
//
//   ./build/release/bin/bench_index --benchmark_filter=TopK
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "rocksdb/write_batch.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/rocksdb_store.h"
#include "services/index/index_engine.h"
#include "services/index/index_schema.h"
#include "services/index/posting_store.h"
#include "services/index/snippet.h"

namespace loupe {
namespace {

std::string TempFolder() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "loupe-bench-index-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) abort();
  return pattern;
}

[[noreturn]] void Die(const absl::Status& status) {
  fprintf(stderr, "bench_index: %s\n", status.ToString().c_str());
  abort();
}

// Word w of a Zipf(1) vocabulary: "w0" is the most common.
std::string Word(uint32_t rank) { return absl::StrCat("w", rank); }

class ZipfWords {
 public:
  explicit ZipfWords(uint32_t vocabulary) {
    double total = 0;
    for (uint32_t r = 1; r <= vocabulary; ++r) cumulative_.push_back(total += 1.0 / r);
  }
  uint32_t Next(std::mt19937& random) {
    std::uniform_real_distribution<double> uniform(0, cumulative_.back());
    return static_cast<uint32_t>(
        std::lower_bound(cumulative_.begin(), cumulative_.end(), uniform(random)) -
        cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

void BM_PostingDecode(benchmark::State& state) {
  const bool with_positions = state.range(0) != 0;
  std::mt19937 random(7);
  std::vector<std::string> blocks;
  int64_t integers_per_pass = 0;
  uint32_t docid = 0;
  for (int b = 0; b < 100; ++b) {
    std::vector<PostingEntry> postings;
    for (uint32_t i = 0; i < kPostingBlockSize; ++i) {
      PostingEntry entry;
      entry.docid = docid += 1 + random() % 20;
      entry.field_length = 100 + random() % 400;
      uint32_t position = 0;
      const int tf = 1 + static_cast<int>(random() % 4);
      for (int p = 0; p < tf; ++p) entry.positions.push_back(position += 1 + random() % 50);
      integers_per_pass += 3 + (with_positions ? tf : 0);
      postings.push_back(std::move(entry));
    }
    blocks.push_back(EncodePostingBlock(postings));
  }
  DecodedPostings decoded;
  for (auto _ : state) {
    for (const std::string& block : blocks) {
      absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(block);
      if (!view.ok() || !view->DecodeDocs(&decoded).ok()) abort();
      if (with_positions && !view->DecodePositions(&decoded).ok()) abort();
      benchmark::DoNotOptimize(decoded.docids.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * integers_per_pass);
}
BENCHMARK(BM_PostingDecode)->Arg(0)->Arg(1);

void BM_PostingScan(benchmark::State& state) {
  const std::string dir = TempFolder();
  RocksOptions rocks;
  rocks.sync_writes = false;
  auto store = RocksStore::Open(dir, {std::string(kPostingsFamily), std::string(kTermsFamily)},
                                rocks);
  if (!store.ok()) abort();
  PostingStore postings((*store)->db(), (*store)->Family(kPostingsFamily),
                        (*store)->Family(kTermsFamily));
  const int count = static_cast<int>(state.range(0));
  rocksdb::WriteBatch batch;
  PostingChanges changes;
  for (int docid = 0; docid < count; ++docid) {
    changes.Add(PostingEntry{static_cast<uint32_t>(docid * 3), /*field_length=*/200, {5, 17}});
  }
  if (!postings.Apply(&batch, PostingStore::TermKey(v1::FIELD_BODY, "storm"), changes).ok() ||
      !(*store)->db()->Write(rocksdb::WriteOptions(), &batch).ok()) {
    abort();
  }
  (*store)->db()->Flush(rocksdb::FlushOptions(), (*store)->Family(kPostingsFamily));
  uint64_t sum = 0;
  for (auto _ : state) {
    absl::Status status = postings.ForEach(nullptr, v1::FIELD_BODY, "storm", false,
                                           [&sum](const Posting& p) { sum += p.docid; });
    if (!status.ok()) abort();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * count * 3);
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PostingScan)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// One shard of `documents` 100-word documents over a 20,000-word Zipf
// vocabulary, built once and shared by the TopK runs.
// Its folder is removed at exit (the engine itself is left open: benchmarks
// run until the process ends).
std::string* shared_shard_dir = nullptr;

IndexEngine* SharedShard(int documents) {
  static IndexEngine* engine = [&] {
    shared_shard_dir = new std::string(TempFolder());
    std::atexit([] { std::filesystem::remove_all(*shared_shard_dir); });
    const std::string* dir = shared_shard_dir;
    RocksOptions rocks;
    rocks.sync_writes = false;
    auto opened = IndexEngine::Open(*dir, IndexEngineOptions{}, rocks);
    if (!opened.ok()) abort();
    ZipfWords words(20000);
    std::mt19937 random(11);
    for (int first = 0; first < documents; first += 1000) {
      v1::ApplyRequest request;
      request.set_shard_id(0);
      request.set_shard_count(1);
      for (int i = first; i < first + 1000; ++i) {
        v1::Operation* op = request.add_operations();
        op->set_sequence(i + 1);
        v1::Document* doc = op->mutable_upsert()->mutable_document();
        doc->set_id(absl::StrCat("d", i));
        doc->set_lang("und");
        std::string body;
        for (int w = 0; w < 100; ++w) absl::StrAppend(&body, Word(words.Next(random)), " ");
        doc->set_body(body);
      }
      absl::StatusOr<v1::ApplyResponse> applied = (*opened)->Apply(request);
      if (!applied.ok()) Die(applied.status());
    }
    return opened->release();
  }();
  return engine;
}

// Query q: `terms` words spread from common (rank ~10) to rare (rank ~2000).
v1::ShardSearchRequest TopKRequest(const IndexEngine& engine, int terms, bool conjunctive,
                                   int q) {
  v1::ShardSearchRequest request;
  request.set_limit(10);
  v1::TermStatsRequest stats;
  for (int t = 0; t < terms; ++t) {
    const std::string word = Word(static_cast<uint32_t>(5 + q + t * (400 / terms) * (t + 1)));
    v1::TermClause* clause = request.mutable_plan()->add_clauses();
    clause->set_term(word);
    clause->set_occur(conjunctive ? v1::OCCUR_MUST : v1::OCCUR_SHOULD);
    for (v1::Field field : {v1::FIELD_TITLE, v1::FIELD_BODY}) {
      v1::FieldTerm* term = stats.add_terms();
      term->set_field(field);
      term->set_term(word);
    }
  }
  auto response = engine.TermStats(stats);
  if (!response.ok()) Die(response.status());
  *request.mutable_global_stats() = response->collection();
  *request.mutable_stat_terms() = stats.terms();
  *request.mutable_stat_document_frequencies() = response->document_frequencies();
  return request;
}

void BM_TopK(benchmark::State& state) {
  const int terms = static_cast<int>(state.range(0));
  const bool conjunctive = state.range(1) != 0;
  IndexEngine* engine = SharedShard(50000);
  std::vector<v1::ShardSearchRequest> requests;
  for (int q = 0; q < 16; ++q) requests.push_back(TopKRequest(*engine, terms, conjunctive, q));
  size_t next = 0;
  for (auto _ : state) {
    auto response = engine->Search(requests[next++ % requests.size()]);
    if (!response.ok()) Die(response.status());
    benchmark::DoNotOptimize(response->total_hits());
  }
  state.SetLabel(conjunctive ? "AND" : "OR");
}
BENCHMARK(BM_TopK)
    ->ArgsProduct({{2, 5}, {0, 1}})
    ->ArgNames({"terms", "and"})
    ->Unit(benchmark::kMicrosecond);

void BM_Snippet(benchmark::State& state) {
  const bool accented = state.range(0) != 0;
  const std::unique_ptr<Analyzer> analyzer = MakeDefaultAnalyzer();
  std::string body;
  for (int i = 0; body.size() < 20 * 1024; ++i) {
    absl::StrAppend(&body, "The ls command lists directory contents; option -l uses a long "
                           "listing format, and -a shows entries starting with a dot. ",
                    accented && i % 8 == 0 ? "Répertoire courant. " : "", "See also dir ",
                    i, ".\n");
  }
  const SnippetTerms terms = {"list", "directori", "content", "ls"};
  for (auto _ : state) {
    std::string snippet = MakeSnippet(*analyzer, body, "en", terms, 200);
    benchmark::DoNotOptimize(snippet.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kSnippetSearchBytes));
  state.SetLabel(accented ? "accented" : "ascii");
}
BENCHMARK(BM_Snippet)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
