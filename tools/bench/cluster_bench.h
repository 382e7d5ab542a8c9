// `loupe-bench --cluster`: the same corpus and queries through a running
// cluster's IngestService and QueryService (the full gRPC path).
//
// Ingest: unary IngestService.Ingest calls of `batch_documents` documents,
// `parallel` in flight (tools/cli ParallelSender); every ack is durable (the
// service acks after its commit). index_s runs from the first call to the last
// ack; then the bench waits until every shard has applied everything
// (IngestService.Status: no backlog), and index_wall_s / applied_docs_per_s
// give the end-to-end rate, acks to searchable. Documents carry no version,
// so a cluster that already holds the same documents answers UNCHANGED
// without writing: the run then reports
// "unchanged_docs" > 0 and its ingest figures are not a measurement — use an
// empty cluster. Index size and RSS are other processes' and are left null.
// Queries: QueryService.Search with the bag of words (AND: every word
// prefixed with '+'), `limit` = top-k; one call at a time, then, with
// `query_clients`, from that many clients at once (the throughput of the
// cluster: <mode>_clients_qps, _p50_ms, _p99_ms).
// Ack-to-searchable: `visibility_samples` times, one new document with a
// unique made-up word is ingested, then Search is polled for that word until
// the document is found; the p50/p95 of ack -> found are reported.
//
//   absl::StatusOr<BenchResult> result = RunClusterBench(corpus, {.ingest = "h:50051", ...});
#ifndef LOUPE_TOOLS_BENCH_CLUSTER_BENCH_H_
#define LOUPE_TOOLS_BENCH_CLUSTER_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/bench_corpus.h"
#include "tools/bench/bench_result.h"
#include "tools/bench/query_timing.h"

namespace loupe::bench {

struct ClusterBenchOptions {
  std::string ingest_address;
  std::string query_address;
  TimingOptions timing;
  int batch_documents = 500;
  int parallel = 4;
  int visibility_samples = 20;
  // When > 0, the queries are also run from this many concurrent clients
  // (query_throughput.h) after the one-at-a-time timing.
  int query_clients = 0;
  int64_t timeout_ms = 30000;
};

absl::StatusOr<BenchResult> RunClusterBench(const BenchCorpus& corpus,
                                            const ClusterBenchOptions& options);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_CLUSTER_BENCH_H_
