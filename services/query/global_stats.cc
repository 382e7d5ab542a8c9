#include "services/query/global_stats.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"
#include "services/query/shard_calls.h"
#include "services/query/shard_fanout.h"

namespace loupe::query {
namespace {

// The text fields a prefix clause expands in.
std::vector<loupe::v1::Field> FieldsOf(loupe::v1::Field field) {
  if (field == loupe::v1::FIELD_UNSPECIFIED) return {loupe::v1::FIELD_TITLE, loupe::v1::FIELD_BODY};
  return {field};
}

}  // namespace

// The plan's prefix clauses, depth first in plan order.
void CollectPrefixes(loupe::v1::QueryNode* node, std::vector<loupe::v1::PrefixClause*>* out) {
  if (node->has_prefix()) out->push_back(node->mutable_prefix());
  if (!node->has_boolean()) return;
  for (auto& clause : *node->mutable_boolean()->mutable_clauses()) {
    CollectPrefixes(clause.mutable_node(), out);
  }
}


absl::Status GatherGlobalStats(size_t shard_count,
                               const std::function<loupe::v1::IndexService::Stub*(size_t)>& stub_for,
                               absl::Time deadline, uint32_t max_prefix_expansions,
                               const std::vector<loupe::v1::PrefixClause*>& prefixes,
                               const std::function<void(size_t, std::string)>& fail,
                               loupe::v1::QueryPlan* plan, GlobalStats* global,
                               std::vector<loupe::v1::FieldTerm>* stat_terms,
                               TermStatsCache* cache, std::vector<std::string>* cached_versions) {
  const std::vector<loupe::v1::FieldTerm> asked_terms = StatTermsForPlan(*plan);
  // One TermStats prefix per (prefix clause, field).
  std::vector<std::pair<size_t, loupe::v1::Field>> asked_prefixes;
  for (size_t p = 0; p < prefixes.size(); ++p) {
    for (loupe::v1::Field field : FieldsOf(prefixes[p]->field())) asked_prefixes.push_back({p, field});
  }
  Calls<loupe::v1::TermStatsRequest, loupe::v1::TermStatsResponse> stats_calls;
  for (size_t i = 0; i < shard_count; ++i) {
    auto& call = stats_calls.emplace_back(
        std::make_unique<ShardCall<loupe::v1::TermStatsRequest, loupe::v1::TermStatsResponse>>());
    call->shard_index = i;
    for (const auto& term : asked_terms) *call->request.add_terms() = term;
    for (const auto& [p, field] : asked_prefixes) {
      loupe::v1::FieldTerm* prefix = call->request.add_prefixes();
      prefix->set_field(field);
      prefix->set_term(prefixes[p]->prefix());
    }
    if (!asked_prefixes.empty()) {
      call->request.set_max_prefix_expansions(max_prefix_expansions);
    }
  }
  // Shards whose answer is cached are not called.
  if (cached_versions != nullptr) cached_versions->assign(shard_count, std::string());
  Calls<loupe::v1::TermStatsRequest, loupe::v1::TermStatsResponse> to_call;
  for (auto& call : stats_calls) {
    std::optional<loupe::v1::TermStatsResponse> known =
        cache == nullptr ? std::nullopt : cache->Lookup(call->shard_index, call->request);
    if (known.has_value()) {
      call->response = *std::move(known);
      if (cached_versions != nullptr) {
        (*cached_versions)[call->shard_index] = call->response.statistics_version();
      }
    } else {
      to_call.push_back(std::move(call));
    }
  }
  RunInParallel(stub_for, deadline, to_call,
                [](auto* async, auto* call, auto done) {
                  async->TermStats(&call->context, &call->request, &call->response,
                                   std::move(done));
                });
  for (auto& call : to_call) {
    if (cache != nullptr && call->status.ok()) {
      cache->Store(call->shard_index, call->request, call->response);
    }
  }
  // Back together (the moved-from slots are the called ones).
  size_t next_called = 0;
  for (auto& call : stats_calls) {
    if (call == nullptr) call = std::move(to_call[next_called++]);
  }
  // (field, term) -> summed df, from the terms and from the expansions.
  std::map<std::pair<int, std::string>, uint64_t> df_by_term;
  std::vector<uint64_t> asked_dfs(asked_terms.size(), 0);
  std::vector<std::map<std::string, uint64_t>> expansions(asked_prefixes.size());
  std::map<int, uint64_t> field_tokens;
  for (const auto& call : stats_calls) {
    if (!call->status.ok()) {
      fail(call->shard_index, DescribeStatus(call->status));
      continue;
    }
    const auto& response = call->response;
    if (static_cast<size_t>(response.document_frequencies_size()) != asked_terms.size() ||
        static_cast<size_t>(response.prefix_expansions_size()) != asked_prefixes.size()) {
      fail(call->shard_index,
           absl::StrCat("INTERNAL: TermStats returned ", response.document_frequencies_size(),
                        " document frequencies for ", asked_terms.size(), " terms and ",
                        response.prefix_expansions_size(), " expansions for ",
                        asked_prefixes.size(), " prefixes"));
      continue;
    }
    global->collection.set_document_count(global->collection.document_count() +
                                         response.collection().document_count());
    for (const auto& field : response.collection().fields()) {
      field_tokens[field.field()] += field.total_tokens();
    }
    for (size_t t = 0; t < asked_terms.size(); ++t) {
      asked_dfs[t] += response.document_frequencies(static_cast<int>(t));
    }
    for (size_t e = 0; e < asked_prefixes.size(); ++e) {
      const loupe::v1::PrefixExpansion& expansion = response.prefix_expansions(static_cast<int>(e));
      for (int t = 0; t < expansion.terms_size() && t < expansion.document_frequencies_size(); ++t) {
        expansions[e][expansion.terms(t)] += expansion.document_frequencies(t);
      }
      if (expansion.truncated()) expansions[e][std::string()] = 0;  // Marks "too many".
    }
  }
  for (const auto& [field, tokens] : field_tokens) {
    auto* stats = global->collection.add_fields();
    stats->set_field(static_cast<loupe::v1::Field>(field));
    stats->set_total_tokens(tokens);
  }
  for (size_t t = 0; t < asked_terms.size(); ++t) {
    df_by_term[{asked_terms[t].field(), asked_terms[t].term()}] = asked_dfs[t];
  }
  for (size_t e = 0; e < asked_prefixes.size(); ++e) {
    const auto& [p, field] = asked_prefixes[e];
    if (expansions[e].count(std::string()) > 0 ||
        expansions[e].size() > max_prefix_expansions) {
      return InvalidField(
          "query", absl::StrCat("prefix '", prefixes[p]->prefix(), "*' matches more than ",
                                max_prefix_expansions,
                                " terms (--max_prefix_expansions); make it longer at position ",
                                prefixes[p]->query_position()));
    }
    for (const auto& [term, df] : expansions[e]) {
      loupe::v1::FieldTerm* expansion = prefixes[p]->add_expansions();
      expansion->set_field(field);
      expansion->set_term(term);
      df_by_term[{field, term}] = df;
    }
  }
  *stat_terms = StatTermsForPlan(*plan);
  for (const auto& term : *stat_terms) {
    global->document_frequencies.push_back(df_by_term[{term.field(), term.term()}]);
  }
  return absl::OkStatus();
}

}  // namespace loupe::query
