#include "tools/eval/search_runner.h"

#include <google/protobuf/descriptor.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"
#include "tools/eval/query_text.h"

namespace loupe::eval {
namespace {

constexpr int kRetries = 2;
// The query service's message for a query with no scoring clause
// (services/query/plan_builder.h).
constexpr absl::string_view kNoSearchableTerm = "no searchable term";

// SearchRequest.lang is being added (field 5) while this tool is written;
// it is set through reflection so the tool builds with and without it.
const google::protobuf::FieldDescriptor* LangField() {
  const google::protobuf::FieldDescriptor* field =
      loupe::v1::SearchRequest::descriptor()->FindFieldByName("lang");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
      field->is_repeated()) {
    return nullptr;
  }
  return field;
}

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

}  // namespace

SearchRunner::SearchRunner(std::shared_ptr<grpc::Channel> channel, SearchOptions options)
    : stub_(loupe::v1::QueryService::NewStub(std::move(channel))), options_(std::move(options)) {}

absl::Status SearchRunner::Check() const {
  if (options_.limit < 1 || options_.limit > 1000) {
    return absl::InvalidArgumentError("--limit must be 1-1000 (SearchRequest.limit)");
  }
  if (options_.parallel < 1) return absl::InvalidArgumentError("--parallel must be >= 1");
  if (!options_.lang.empty() && LangField() == nullptr) {
    return absl::InvalidArgumentError(
        "--lang: this build's loupe.v1.SearchRequest has no string field 'lang'");
  }
  return absl::OkStatus();
}

QueryOutcome SearchRunner::RunOne(const EvalQuery& query) const {
  QueryOutcome outcome;
  outcome.qid = query.id;
  outcome.sent = ToBagOfWords(query.text);
  if (outcome.sent.empty()) {
    outcome.no_searchable_term = true;
    return outcome;
  }
  loupe::v1::SearchRequest request;
  request.set_query(outcome.sent);
  request.set_limit(options_.limit);
  // Snippets are not needed; the smallest length keeps responses small.
  request.set_snippet_chars(1);
  if (!options_.lang.empty()) {
    request.GetReflection()->SetString(&request, LangField(), options_.lang);
  }
  loupe::v1::SearchResponse response;
  grpc::Status status;
  for (int attempt = 0; attempt <= kRetries; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(options_.timeout_ms));
    response.Clear();
    status = stub_->Search(&context, request, &response);
    // A partial answer (a shard late on a loaded machine) is retried too.
    const bool partial = status.ok() && response.missing_shards_size() > 0;
    if (!partial && (status.ok() || !Retryable(status.error_code()))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
        absl::StrContains(status.error_message(), kNoSearchableTerm)) {
      outcome.no_searchable_term = true;
      return outcome;
    }
    outcome.status = FromGrpcStatus(status, absl::StrCat("Search for query ", query.id));
    return outcome;
  }
  if (response.missing_shards_size() > 0) {
    outcome.status = absl::UnavailableError(
        absl::StrCat("query ", query.id, ": partial answer, shard ",
                     response.missing_shards(0).shard(), " missing: ",
                     response.missing_shards(0).error()));
    return outcome;
  }
  outcome.hits.reserve(response.hits_size());
  for (const loupe::v1::Hit& hit : response.hits()) {
    outcome.hits.push_back({hit.id(), hit.score()});
  }
  return outcome;
}

std::vector<QueryOutcome> SearchRunner::RunAll(const std::vector<EvalQuery>& queries) const {
  std::vector<QueryOutcome> outcomes(queries.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < queries.size(); i = next++) outcomes[i] = RunOne(queries[i]);
  };
  std::vector<std::thread> threads;
  const size_t thread_count = std::min<size_t>(options_.parallel, queries.size());
  for (size_t t = 0; t < thread_count; ++t) threads.emplace_back(work);
  for (std::thread& thread : threads) thread.join();
  return outcomes;
}

}  // namespace loupe::eval
