#include "tools/cli/search_command.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "loupe/v1/query.grpc.pb.h"
#include "tools/cli/cli_flags.h"
#include "tools/cli/connection.h"
#include "tools/cli/output_format.h"
#include "tools/cli/rpc_errors.h"

namespace loupe::cli {
namespace {

constexpr size_t kMaxIdColumn = 24;
constexpr size_t kMaxSourceColumn = 16;
constexpr size_t kMaxTitleColumn = 80;

std::string Pad(absl::string_view text, size_t width) {
  const size_t shown = DisplayWidth(text);
  return absl::StrCat(text, std::string(shown < width ? width - shown : 0, ' '));
}

}  // namespace

std::string FormatSearchResults(const loupe::v1::SearchResponse& response, uint32_t offset,
                                bool ansi) {
  size_t id_width = 2, source_width = 6;
  for (const auto& hit : response.hits()) {
    id_width = std::max(id_width, std::min(kMaxIdColumn, DisplayWidth(hit.id())));
    source_width = std::max(source_width, std::min(kMaxSourceColumn, DisplayWidth(hit.source())));
  }
  std::string out;
  if (response.hits_size() > 0) {
    absl::StrAppend(&out, absl::StrFormat("%4s  %8s  ", "#", "score"), Pad("id", id_width), "  ",
                    Pad("date", 10), "  ", Pad("source", source_width), "  title\n");
  }
  uint32_t rank = offset;
  for (const auto& hit : response.hits()) {
    const std::string title = hit.title().empty() ? "(no title)" : hit.title();
    absl::StrAppend(&out, absl::StrFormat("%4d  %8.3f  ", ++rank, hit.score()),
                    Pad(Ellipsize(hit.id(), kMaxIdColumn), id_width), "  ",
                    Pad(FormatTimestampDate(hit.published_at()), 10), "  ",
                    Pad(Ellipsize(hit.source().empty() ? "-" : hit.source(), kMaxSourceColumn),
                        source_width),
                    "  ", Ellipsize(title, kMaxTitleColumn), "\n");
    if (!hit.snippet().empty()) {
      absl::StrAppend(&out, "      ", RenderSnippet(hit.snippet(), ansi), "\n");
    }
  }
  if (response.hits_size() == 0) absl::StrAppend(&out, "no hits\n");

  const int answered = response.answered_shards_size();
  const int shards = answered + response.missing_shards_size();
  const int64_t took_ms =
      google::protobuf::util::TimeUtil::DurationToMilliseconds(response.took());
  absl::StrAppend(&out, "\n");
  if (response.hits_size() > 0) {
    absl::StrAppend(&out, "hits ", offset + 1, "-", offset + response.hits_size(), " of ");
  }
  absl::StrAppend(&out, FormatCount(static_cast<int64_t>(response.total_hits())),
                  " total, took ", took_ms, " ms, shards answered ", answered, "/", shards,
                  "\n");
  if (response.missing_shards_size() > 0) {
    std::vector<std::string> missing;
    for (const auto& failure : response.missing_shards()) {
      missing.push_back(absl::StrCat("shard ", failure.shard(),
                                     failure.address().empty() ? "" : " (" + failure.address() + ")",
                                     failure.error().empty() ? "" : ": " + failure.error()));
    }
    absl::StrAppend(&out, "WARNING: partial result, missing ", absl::StrJoin(missing, "; "),
                    "\n");
  }
  return out;
}

int RunSearch(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "loupe: search: no QUERY given\nRun 'loupe --help' for usage." << std::endl;
    return kExitUsage;
  }
  const int limit = absl::GetFlag(FLAGS_limit);
  const int offset = absl::GetFlag(FLAGS_offset);
  const int snippet_chars = absl::GetFlag(FLAGS_snippet_chars);
  if (limit < 1 || limit > 1000 || offset < 0 || snippet_chars < 0) {
    std::cerr << "loupe: search: --limit must be 1-1000, --offset and --snippet_chars >= 0"
              << std::endl;
    return kExitUsage;
  }
  loupe::v1::SearchRequest request;
  request.set_query(absl::StrJoin(args, " "));
  request.set_limit(limit);
  request.set_offset(offset);
  request.set_snippet_chars(snippet_chars);

  const std::string address = absl::GetFlag(FLAGS_query);
  auto stub = loupe::v1::QueryService::NewStub(MakeChannel(address));
  auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
  loupe::v1::SearchResponse response;
  const grpc::Status status = stub->Search(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError(absl::StrCat("search on ", address), status);
    return kExitFailure;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(response, &json, options);
    if (json.empty() || json.back() != '\n') json.push_back('\n');
    std::cout << json;
    return kExitOk;
  }
  std::cout << FormatSearchResults(response, static_cast<uint32_t>(offset),
                                   isatty(fileno(stdout)) != 0);
  return kExitOk;
}

}  // namespace loupe::cli
