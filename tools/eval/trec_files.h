// Reading the evaluation inputs and writing TREC run files.
//
// Formats (../shared/data/SOURCES.md):
//  - queries: JSON Lines (plain or .gz), one {"id" (or BEIR's "_id"): str|int,
//    "text": str, ...} per line; other keys are ignored; empty lines skipped.
//  - qrels: "qid<TAB>docid<TAB>grade" (whitespace-separated), or TREC's
//    4-column "qid iter docid grade". A line whose grade is not a number (a
//    header) is skipped; any other malformed line is an error.
//  - run: "qid Q0 docid rank score tag", score printed with 6 decimals (as
//    Anserini does). Metrics must be computed on the scores as written, so
//    that they agree with trec_eval reading the file: RoundedScore().
//
//   absl::StatusOr<std::vector<EvalQuery>> queries = ReadQueries("queries.jsonl");
//   absl::StatusOr<Qrels> qrels = ReadQrels("qrels.tsv");
//   out << RunLine("q1", "doc7", 1, 12.5, "loupe");  // "q1 Q0 doc7 1 12.500000 loupe\n"
#ifndef LOUPE_TOOLS_EVAL_TREC_FILES_H_
#define LOUPE_TOOLS_EVAL_TREC_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/eval/trec_metrics.h"

namespace loupe::eval {

struct EvalQuery {
  std::string id;
  std::string text;
};

// INVALID_ARGUMENT "path:line: why" for a bad line; NOT_FOUND for a missing file.
absl::StatusOr<std::vector<EvalQuery>> ReadQueries(const std::string& path);
absl::StatusOr<Qrels> ReadQrels(const std::string& path);

// The score as the run file stores it (6 decimals).
double RoundedScore(double score);

// One run file line, newline included.
std::string RunLine(absl::string_view qid, absl::string_view docid, int rank, double score,
                    absl::string_view tag);

}  // namespace loupe::eval

#endif  // LOUPE_TOOLS_EVAL_TREC_FILES_H_
