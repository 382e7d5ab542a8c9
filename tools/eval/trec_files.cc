#include "tools/eval/trec_files.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/cli/corpus_reader.h"

namespace loupe::eval {
namespace {

absl::Status LineError(const cli::LineReader& reader, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(reader.path(), ":", reader.line_number(), ": ",
                                                 why));
}

// A JSON id: a string, or an integral number printed without a fraction.
bool IdFromValue(const google::protobuf::Value& value, std::string* id) {
  if (value.kind_case() == google::protobuf::Value::kStringValue) {
    *id = value.string_value();
    return !id->empty();
  }
  if (value.kind_case() == google::protobuf::Value::kNumberValue &&
      std::floor(value.number_value()) == value.number_value()) {
    *id = absl::StrCat(static_cast<int64_t>(value.number_value()));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<EvalQuery>> ReadQueries(const std::string& path) {
  absl::StatusOr<std::unique_ptr<cli::LineReader>> reader = cli::LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<EvalQuery> queries;
  std::string line;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->ReadLine(&line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    google::protobuf::Struct object;
    const auto parsed = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.data(), line.size()), &object);
    if (!parsed.ok()) {
      // protobuf's message may continue with a caret diagram on later lines.
      const absl::string_view message(parsed.message().data(), parsed.message().size());
      return LineError(**reader, absl::StrCat("invalid JSON: ",
                                              message.substr(0, message.find('\n'))));
    }
    const auto& fields = object.fields();
    EvalQuery query;
    // "_id": BEIR's files, which the peers' harness reads too.
    auto id = fields.find("id");
    if (id == fields.end()) id = fields.find("_id");
    if (id == fields.end() || !IdFromValue(id->second, &query.id)) {
      return LineError(**reader, "\"id\" must be a non-empty string or an integer");
    }
    const auto text = fields.find("text");
    if (text == fields.end() ||
        text->second.kind_case() != google::protobuf::Value::kStringValue) {
      return LineError(**reader, "\"text\" must be a string");
    }
    query.text = text->second.string_value();
    queries.push_back(std::move(query));
  }
  return queries;
}

absl::StatusOr<Qrels> ReadQrels(const std::string& path) {
  absl::StatusOr<std::unique_ptr<cli::LineReader>> reader = cli::LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  Qrels qrels;
  std::string line;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->ReadLine(&line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.empty()) continue;
    if (parts.size() == 4) parts.erase(parts.begin() + 1);  // "qid iter docid grade"
    if (parts.size() != 3) {
      return LineError(**reader, "expected 'qid docid grade' or 'qid iter docid grade'");
    }
    double grade = 0;
    if (!absl::SimpleAtod(parts[2], &grade)) {
      if (qrels.empty()) continue;  // a header line
      return LineError(**reader, absl::StrCat("grade '", parts[2], "' is not a number"));
    }
    qrels[std::string(parts[0])][std::string(parts[1])] = static_cast<int>(grade);
  }
  return qrels;
}

double RoundedScore(double score) {
  return std::strtod(absl::StrFormat("%.6f", score).c_str(), nullptr);
}

std::string RunLine(absl::string_view qid, absl::string_view docid, int rank, double score,
                    absl::string_view tag) {
  return absl::StrFormat("%s Q0 %s %d %.6f %s\n", qid, docid, rank, score, tag);
}

}  // namespace loupe::eval
