// `loupe-bench --engine`: one shard's IndexEngine in-process (no gRPC), in a
// temporary RocksDB folder that is removed afterwards.
//
// Index: the corpus is applied in batches of 1,000 documents with synced
// writes (durable, as loupe-index acks); index_s covers the Apply calls only
// (the corpus is parsed beforehand, as the peers' prep step does). The
// engine is then closed and reopened, so that RocksDB flushes its memtables
// into SST files, and the folder's size on disk is the index size. Peak RSS
// is the process's getrusage maximum after indexing (the parsed corpus held
// in memory is part of it).
// Queries: what loupe-query does for one shard, in-process: the text as a
// bag of words (tools/eval/query_text.h), parsed and planned with the query
// service's PlanBuilder (AND: every word MUST), then Search with the
// shard's own statistics (it holds the whole collection).
// Cold cache (`cold`): the index files are dropped from the page cache
// (posix_fadvise DONTNEED), the engine reopened with an empty block cache of
// `block_cache_mb`, and one OR pass timed before the usual warm passes.
//
//   absl::StatusOr<BenchResult> result = RunEngineBench(corpus, {.timing = {...}});
#ifndef LOUPE_TOOLS_BENCH_ENGINE_BENCH_H_
#define LOUPE_TOOLS_BENCH_ENGINE_BENCH_H_

#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/bench_corpus.h"
#include "tools/bench/bench_result.h"
#include "tools/bench/query_timing.h"

namespace loupe::bench {

struct EngineBenchOptions {
  TimingOptions timing;
  // Parent of the temporary index folder; empty = the system temp folder.
  std::string temp_root;
  // Keep the index in this folder instead (not removed); when it already
  // holds one, it is reused and nothing is indexed (for query-only reruns:
  // the corpus must be the same).
  std::string index_dir;
  int batch_documents = 1000;
  // RocksDB block cache of the engine (the shard's --rocksdb_block_cache_mb).
  uint64_t block_cache_mb = 256;
  // RocksDB row cache of the engine (the shard's --rocksdb_row_cache_mb).
  uint64_t row_cache_mb = 64;
  // Posting lists the searches share (the shard's --posting_cache_mb).
  uint64_t posting_cache_mb = 256;
  // Before the warm passes, drop the index files from the page cache, reopen
  // with an empty block cache and time one OR pass: extra keys or_cold_*.
  bool cold = false;
  // Plan the proximity phrases loupe-query adds by default; false = plain
  // BM25 over the words, the model the peers run.
  bool proximity = true;
  // The queries' language, as SearchRequest.lang: "" (loupe-query's default)
  // gives each word a form per default query language (en, fr, und); "en"
  // analyses it as English only, as the peers do.
  std::string query_lang;
};

absl::StatusOr<BenchResult> RunEngineBench(const BenchCorpus& corpus,
                                           const EngineBenchOptions& options);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_ENGINE_BENCH_H_
