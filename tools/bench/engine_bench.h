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
// service's PlanBuilder (AND: every word MUST), TermStats for the global
// statistics, then Search.
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
  int batch_documents = 1000;
};

absl::StatusOr<BenchResult> RunEngineBench(const BenchCorpus& corpus,
                                           const EngineBenchOptions& options);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_ENGINE_BENCH_H_
