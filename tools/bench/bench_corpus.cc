#include "tools/bench/bench_corpus.h"

#include <filesystem>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/cli/corpus_reader.h"
#include "tools/cli/json_document.h"

namespace loupe::bench {
namespace {

namespace fs = std::filesystem;

// The first of `names` that exists under `dir`, or "".
std::string FirstExisting(const fs::path& dir, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (fs::exists(dir / name)) return (dir / name).string();
  }
  return "";
}

absl::Status ReadDocuments(const std::string& path, const CorpusOptions& options,
                           BenchCorpus* corpus) {
  absl::StatusOr<std::unique_ptr<cli::LineReader>> reader = cli::LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::string line;
  std::vector<std::string> warnings;
  while (options.max_docs == 0 || corpus->documents.size() < options.max_docs) {
    absl::StatusOr<bool> more = (*reader)->ReadLine(&line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (line.empty()) continue;
    loupe::v1::Document document;
    absl::Status parsed = cli::JsonLineToDocument(line, &document, &warnings);
    if (!parsed.ok() && absl::StrContains(parsed.message(), "is missing or empty")) {
      ++corpus->skipped_documents;  // loupe-ingest refuses a document without text
      continue;
    }
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", (*reader)->line_number(), ": ", parsed.message()));
    }
    if (document.id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", (*reader)->line_number(), ": \"id\" is required"));
    }
    if (document.lang().empty()) document.set_lang(options.default_lang);
    document.set_version(1);
    corpus->text_bytes += document.title().size() + document.body().size();
    corpus->documents.push_back(std::move(document));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BenchCorpus> LoadBenchCorpus(const CorpusOptions& options) {
  const fs::path dir(options.corpus_dir);
  if (!fs::is_directory(dir)) {
    return absl::NotFoundError(absl::StrCat(options.corpus_dir, ": not a directory"));
  }
  BenchCorpus corpus;
  corpus.name = fs::path(options.corpus_dir).lexically_normal().filename().string();
  if (corpus.name.empty()) corpus.name = dir.lexically_normal().parent_path().filename().string();

  const std::string corpus_path = FirstExisting(dir, {"corpus.jsonl.gz", "corpus.jsonl"});
  if (corpus_path.empty()) {
    return absl::NotFoundError(
        absl::StrCat(options.corpus_dir, ": no corpus.jsonl.gz or corpus.jsonl"));
  }
  absl::Status read = ReadDocuments(corpus_path, options, &corpus);
  if (!read.ok()) return read;

  std::string queries_path = options.queries_path;
  const bool own_queries = queries_path.empty();
  if (own_queries) queries_path = FirstExisting(dir, {"queries.jsonl"});
  if (!queries_path.empty()) {
    absl::StatusOr<std::vector<eval::EvalQuery>> queries = eval::ReadQueries(queries_path);
    if (!queries.ok()) return queries.status();
    corpus.queries = *std::move(queries);
  }
  const std::string qrels_path = FirstExisting(dir, {"qrels.tsv", "qrels/test.tsv"});
  if (own_queries && !qrels_path.empty() && !corpus.queries.empty()) {
    absl::StatusOr<eval::Qrels> qrels = eval::ReadQrels(qrels_path);
    if (!qrels.ok()) return qrels.status();
    corpus.qrels = *std::move(qrels);
  }
  return corpus;
}

}  // namespace loupe::bench
