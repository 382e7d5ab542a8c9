// The inputs of one loupe-bench run, loaded into memory before anything is
// timed (as ../shared/peers does in its untimed "prep" step): the documents
// of CORPUS_DIR/corpus.jsonl(.gz), the queries and, when they are the
// corpus's own queries, its relevance judgements.
//
// Layout of CORPUS_DIR (../shared/data): corpus.jsonl.gz or corpus.jsonl
// ({"id", "title", "text"} per line), queries.jsonl ({"id", "text"}),
// qrels.tsv or qrels/test.tsv. Documents without a "lang" get `default_lang`
// (the cluster's ingest would detect it; the peers index English). Documents
// with neither a body nor a title are skipped and counted (loupe-ingest
// refuses them).
// Text size = UTF-8 bytes of title + body, as the peers count it.
//
//   absl::StatusOr<BenchCorpus> corpus = LoadBenchCorpus(
//       {.corpus_dir = "/data/beir-scifact", .max_docs = 0, .queries_path = ""});
//   // corpus->documents, corpus->queries, corpus->qrels (nullopt: no quality)
#ifndef LOUPE_TOOLS_BENCH_BENCH_CORPUS_H_
#define LOUPE_TOOLS_BENCH_BENCH_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "loupe/v1/document.pb.h"
#include "tools/eval/trec_files.h"
#include "tools/eval/trec_metrics.h"

namespace loupe::bench {

struct CorpusOptions {
  std::string corpus_dir;
  // Read at most this many documents; 0 = all.
  size_t max_docs = 0;
  // Queries file (JSON Lines {"id", "text"}); empty = CORPUS_DIR/queries.jsonl
  // when it exists. Qrels are only used with the corpus's own queries.
  std::string queries_path;
  std::string default_lang = "en";
};

struct BenchCorpus {
  // Base name of the corpus folder ("beir-scifact").
  std::string name;
  std::vector<loupe::v1::Document> documents;
  uint64_t text_bytes = 0;
  // Lines without a body or a title, which loupe-ingest refuses: left out of both modes
  // (and of `documents` and `text_bytes`), so that they compare.
  int64_t skipped_documents = 0;
  std::vector<eval::EvalQuery> queries;
  std::optional<eval::Qrels> qrels;
};

absl::StatusOr<BenchCorpus> LoadBenchCorpus(const CorpusOptions& options);

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_BENCH_CORPUS_H_
