#include "services/query/query_engine.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "services/common/analysis/language.h"
#include "services/common/status_util.h"
#include "services/query/shard_fanout.h"

namespace loupe::query {

QueryEngine::QueryEngine(std::vector<std::string> shard_addresses, QueryEngineOptions options)
    : options_(options),
      plan_builder_(options.parser_limits.max_clauses, options.query_languages),
      fanout_(std::make_unique<ShardFanout>(std::move(shard_addresses))) {}

QueryEngine::~QueryEngine() = default;

uint32_t QueryEngine::shard_count() const { return fanout_->shard_count(); }

absl::Time QueryEngine::RequestDeadline(absl::Time client_deadline) const {
  return std::min(client_deadline, absl::Now() + options_.default_timeout);
}

absl::StatusOr<loupe::v1::QueryPlan> QueryEngine::Plan(absl::string_view query,
                                                       absl::string_view lang) const {
  if (!lang.empty() && absl::AsciiStrToLower(lang) != "und" &&
      NormaliseLanguageCode(lang).empty()) {
    return InvalidField("lang", "must be \"und\" or an ISO 639-1 code such as \"en\" or \"fr\"");
  }
  absl::StatusOr<ParsedQuery> parsed = ParseQuery(query, options_.parser_limits);
  absl::StatusOr<loupe::v1::QueryPlan> plan =
      parsed.ok() ? plan_builder_.Build(*parsed, lang) : parsed.status();
  if (!plan.ok()) {
    // Name the field, keep the position and the reason in the message.
    return InvalidField("query", std::string(plan.status().message()));
  }
  return plan;
}

absl::StatusOr<loupe::v1::SearchResponse> QueryEngine::Search(
    const loupe::v1::SearchRequest& request, absl::Time client_deadline) const {
  const absl::Time start = absl::Now();
  const absl::Time deadline = RequestDeadline(client_deadline);
  absl::StatusOr<loupe::v1::QueryPlan> plan = Plan(request.query(), request.lang());
  if (!plan.ok()) return plan.status();
  PageRequest page;
  page.offset = request.offset();
  page.limit = request.limit();
  page.snippet_chars = request.snippet_chars();
  absl::StatusOr<loupe::v1::SearchResponse> response = fanout_->Search(*plan, page, deadline);
  if (!response.ok()) return response.status();
  const absl::Duration took = absl::Now() - start;
  response->mutable_took()->set_seconds(absl::ToInt64Seconds(took));
  response->mutable_took()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(took % absl::Seconds(1))));
  return response;
}

loupe::v1::ClusterInfoResponse QueryEngine::ClusterInfo(absl::Time client_deadline) const {
  return fanout_->ClusterInfo(RequestDeadline(client_deadline));
}

}  // namespace loupe::query
