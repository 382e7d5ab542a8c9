#include "services/query/query_engine.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "services/common/analysis/language.h"
#include "services/common/status_util.h"
#include "services/common/utf8.h"
#include "services/query/facet_merge.h"
#include "services/query/page_cursor.h"
#include "services/query/shard_fanout.h"

namespace loupe::query {

QueryEngine::QueryEngine(std::vector<std::string> shard_addresses, QueryEngineOptions options)
    : options_(options),
      plan_builder_(options.parser_limits.max_clauses, options.query_languages,
                    options.ranking),
      fanout_(std::make_unique<ShardFanout>(std::move(shard_addresses),
                                            options.term_stats_cache_entries)) {}

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

absl::StatusOr<loupe::v1::QueryPlan> QueryEngine::PlanRequest(
    const loupe::v1::SearchRequest& request) const {
  loupe::v1::QueryPlan plan;
  if (!absl::StripAsciiWhitespace(request.query()).empty()) {
    absl::StatusOr<loupe::v1::QueryPlan> parsed = Plan(request.query(), request.lang());
    if (!parsed.ok()) return parsed.status();
    plan = *std::move(parsed);
  }
  LOUPE_RETURN_IF_ERROR(PlanBuilder::AddTypedFilters(request.filters(), &plan));
  if (!HasPositiveClause(plan)) return InvalidField("query", "the query has no searchable term");
  return plan;
}

namespace {

loupe::v1::HitOrder ToHitOrder(loupe::v1::SortOrder sort) {
  switch (sort) {
    case loupe::v1::SORT_ORDER_DATE_DESC:
      return loupe::v1::HIT_ORDER_DATE_DESC;
    case loupe::v1::SORT_ORDER_DATE_ASC:
      return loupe::v1::HIT_ORDER_DATE_ASC;
    default:
      return loupe::v1::HIT_ORDER_SCORE;
  }
}

}  // namespace

absl::StatusOr<loupe::v1::SearchResponse> QueryEngine::Search(
    const loupe::v1::SearchRequest& request, absl::Time client_deadline) const {
  const absl::Time start = absl::Now();
  const absl::Time deadline = RequestDeadline(client_deadline);
  absl::StatusOr<loupe::v1::QueryPlan> plan = PlanRequest(request);
  if (!plan.ok()) return plan.status();
  PageRequest page;
  page.offset = request.offset();
  page.limit = request.limit();
  page.snippet_chars = request.snippet_chars();
  page.order = ToHitOrder(request.sort());
  page.max_prefix_expansions = options_.max_prefix_expansions;
  absl::StatusOr<std::vector<loupe::v1::ShardFacetRequest>> facets = ShardFacets(request.facets());
  if (!facets.ok()) return facets.status();
  page.facets = *std::move(facets);
  page.max_facet_values = options_.max_facet_values_per_shard;
  page.fold_duplicates = request.fold_duplicates();
  page.total_hits_threshold = request.total_hits_threshold();
  const uint64_t request_hash = RequestFingerprint(request);
  if (!request.page_token().empty()) {
    absl::StatusOr<storage::v1::PageCursor> cursor =
        DecodePageToken(request.page_token(), request_hash);
    if (!cursor.ok()) return cursor.status();
    page.after = cursor->after();
    FrozenStats& frozen = page.frozen.emplace();
    frozen.collection = cursor->global_stats();
    frozen.document_frequencies.assign(cursor->stat_document_frequencies().begin(),
                                       cursor->stat_document_frequencies().end());
    for (const auto& prefix : cursor->prefixes()) {
      frozen.prefixes.emplace_back(prefix.expansions().begin(), prefix.expansions().end());
    }
  }
  absl::StatusOr<FanoutPage> result = fanout_->SearchPage(*plan, page, deadline);
  if (!result.ok()) return result.status();
  loupe::v1::SearchResponse& response = result->response;
  if (result->next.has_value()) {
    storage::v1::PageCursor cursor;
    cursor.set_format(kPageCursorFormat);
    cursor.set_request_hash(request_hash);
    *cursor.mutable_after() = *result->next;
    *cursor.mutable_global_stats() = result->stats.collection;
    for (uint64_t df : result->stats.document_frequencies) {
      cursor.add_stat_document_frequencies(df);
    }
    for (const auto& expansions : result->stats.prefixes) {
      auto* prefix = cursor.add_prefixes();
      for (const auto& expansion : expansions) *prefix->add_expansions() = expansion;
    }
    response.set_next_page_token(EncodePageToken(cursor));
  }
  if (request.facets_size() > 0) {
    std::vector<const google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult>*> shards;
    for (const auto& shard : result->shard_facets) shards.push_back(&shard);
    MergeFacets(request.facets(), shards, response.mutable_facets());
  }
  const absl::Duration took = absl::Now() - start;
  response.mutable_took()->set_seconds(absl::ToInt64Seconds(took));
  response.mutable_took()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(took % absl::Seconds(1))));
  return std::move(response);
}

absl::StatusOr<loupe::v1::ExplainResponse> QueryEngine::Explain(
    const loupe::v1::ExplainRequest& request, absl::Time client_deadline) const {
  FieldViolations violations;
  if (!IsValidUtf8(request.query()) || absl::StripAsciiWhitespace(request.query()).empty()) {
    violations.Add("query", "is required and must be valid UTF-8");
  }
  if (request.id().empty() || !IsValidUtf8(request.id())) {
    violations.Add("id", "is required and must be valid UTF-8");
  }
  if (!violations.empty()) return violations.ToStatus("invalid explain request");
  loupe::v1::SearchRequest search;
  search.set_query(request.query());
  search.set_lang(request.lang());
  absl::StatusOr<loupe::v1::QueryPlan> plan = PlanRequest(search);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<ExplainAnswer> answer = fanout_->Explain(
      *plan, request.id(), options_.max_prefix_expansions, RequestDeadline(client_deadline));
  if (!answer.ok()) return answer.status();
  const loupe::v1::ShardExplainResponse& explanation = answer->explanation;
  loupe::v1::ExplainResponse response;
  response.set_id(request.id());
  response.set_shard(answer->shard);
  response.set_matches(explanation.matches());
  response.set_score(explanation.score());
  response.set_k1(explanation.scoring().k1());
  response.set_b(explanation.scoring().b());
  response.set_document_count(answer->collection.document_count());
  for (const loupe::v1::ScoreComponent& part : explanation.components()) {
    loupe::v1::ExplainComponent* out = response.add_components();
    out->set_clause(part.clause());
    out->set_terms(part.terms());
    out->set_field(part.field() == loupe::v1::FIELD_TITLE ? "title" : "body");
    out->set_tf(part.tf());
    out->set_df(part.df());
    out->set_idf(part.idf());
    out->set_field_length(part.field_length());
    out->set_average_length(part.average_length());
    out->set_weight(part.weight());
    out->set_score(part.score());
  }
  return response;
}

loupe::v1::ClusterInfoResponse QueryEngine::ClusterInfo(absl::Time client_deadline) const {
  return fanout_->ClusterInfo(RequestDeadline(client_deadline));
}

}  // namespace loupe::query
