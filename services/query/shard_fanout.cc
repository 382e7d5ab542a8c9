#include "services/query/shard_fanout.h"

#include <algorithm>
#include <functional>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "services/common/query_plan_terms.h"
#include "services/common/server.h"
#include "services/common/status_util.h"
#include "services/query/hit_merge.h"

namespace loupe::query {
namespace {

using loupe::v1::IndexService;

// Shares of the remaining time given to the stats and search phases.
constexpr double kStatsPhaseShare = 0.3;
constexpr double kSearchPhaseShare = 0.7;
// The shards' largest Search limit.
constexpr uint32_t kMaxShardLimit = 10000;

// One in-flight unary call to one shard.
template <typename Request, typename Response>
struct ShardCall {
  size_t shard_index = 0;  // Index into ShardFanout::shards_.
  grpc::ClientContext context;
  Request request;
  Response response;
  grpc::Status status;
};

template <typename Request, typename Response>
using Calls = std::vector<std::unique_ptr<ShardCall<Request, Response>>>;

// Starts every call with `start(stub_async, call, done)` and waits until all
// have completed (each has a deadline, so this is bounded).
template <typename Request, typename Response, typename Start>
void RunInParallel(const std::function<IndexService::Stub*(size_t)>& stub_for, absl::Time deadline,
                   Calls<Request, Response>& calls, Start start) {
  if (calls.empty()) return;
  absl::BlockingCounter pending(static_cast<int>(calls.size()));
  for (auto& call : calls) {
    call->context.set_deadline(absl::ToChronoTime(deadline));
    ShardCall<Request, Response>* raw = call.get();
    start(stub_for(raw->shard_index)->async(), raw, [raw, &pending](grpc::Status status) {
      raw->status = std::move(status);
      pending.DecrementCount();
    });
  }
  pending.Wait();
}

std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat(GrpcCodeName(status.error_code()), ": ", status.error_message());
}

absl::Time PhaseDeadline(absl::Time request_deadline, double share) {
  const absl::Time now = absl::Now();
  if (request_deadline <= now) return request_deadline;
  return std::min(request_deadline, now + (request_deadline - now) * share);
}

// The cluster-wide statistics summed from the shards' TermStats answers.
struct GlobalStats {
  loupe::v1::CollectionStats collection;
  std::vector<uint64_t> document_frequencies;
};

}  // namespace

std::vector<loupe::v1::FieldTerm> StatTermsForPlan(const loupe::v1::QueryPlan& plan) {
  std::vector<loupe::v1::FieldTerm> terms;
  absl::flat_hash_set<std::pair<int, std::string>> seen;
  auto add = [&](loupe::v1::Field field, const std::string& term) {
    if (!seen.insert({static_cast<int>(field), term}).second) return;
    loupe::v1::FieldTerm& field_term = terms.emplace_back();
    field_term.set_field(field);
    field_term.set_term(term);
  };
  // Every form of every clause: the shards score a group with the largest
  // global df among its forms. A field-less form asks for TITLE and BODY.
  ForEachPlanTerm(plan, [&](loupe::v1::Field field, const std::string& term, bool) {
    if (field == loupe::v1::FIELD_UNSPECIFIED) {
      add(loupe::v1::FIELD_TITLE, term);
      add(loupe::v1::FIELD_BODY, term);
    } else {
      add(field, term);
    }
  });
  return terms;
}

namespace {

// The plan's prefix clauses, depth first in plan order.
void CollectPrefixes(loupe::v1::QueryNode* node, std::vector<loupe::v1::PrefixClause*>* out) {
  if (node->has_prefix()) out->push_back(node->mutable_prefix());
  if (!node->has_boolean()) return;
  for (auto& clause : *node->mutable_boolean()->mutable_clauses()) {
    CollectPrefixes(clause.mutable_node(), out);
  }
}

std::vector<loupe::v1::Field> FieldsOf(loupe::v1::Field field) {
  if (field == loupe::v1::FIELD_UNSPECIFIED) return {loupe::v1::FIELD_TITLE, loupe::v1::FIELD_BODY};
  return {field};
}

}  // namespace

ShardFanout::ShardFanout(std::vector<std::string> addresses) {
  for (size_t i = 0; i < addresses.size(); ++i) {
    // A shard's id is its index here, which the fetch phase relies on.
    Shard& shard = shards_.emplace_back();
    shard.id = static_cast<uint32_t>(i);
    shard.address = std::move(addresses[i]);
    shard.stub = IndexService::NewStub(MakeInternalChannel(shard.address));
  }
}

absl::StatusOr<loupe::v1::SearchResponse> ShardFanout::Search(const loupe::v1::QueryPlan& plan,
                                                              const PageRequest& page,
                                                              absl::Time deadline) const {
  absl::StatusOr<FanoutPage> result = SearchPage(plan, page, deadline);
  if (!result.ok()) return result.status();
  return std::move(result->response);
}

absl::StatusOr<FanoutPage> ShardFanout::SearchPage(const loupe::v1::QueryPlan& original_plan,
                                                   const PageRequest& page,
                                                   absl::Time deadline) const {
  auto stub_for = [this](size_t index) { return shards_[index].stub.get(); };
  // Failures by shard index; a failed shard takes no part in later phases.
  std::map<size_t, std::string> failures;
  auto fail = [&failures](size_t index, std::string error) {
    failures.emplace(index, std::move(error));
  };
  auto failed = [&failures](size_t index) { return failures.count(index) > 0; };

  loupe::v1::QueryPlan plan = original_plan;
  std::vector<loupe::v1::PrefixClause*> prefixes;
  if (plan.has_root()) CollectPrefixes(plan.mutable_root(), &prefixes);
  FanoutPage result;
  GlobalStats global;
  std::vector<loupe::v1::FieldTerm> stat_terms;

  if (page.frozen.has_value()) {
    // ---- Phase 1 from a cursor: the first page's statistics.
    const FrozenStats& frozen = *page.frozen;
    if (frozen.prefixes.size() != prefixes.size()) {
      return InvalidField("page_token", "does not match the query's prefixes");
    }
    for (size_t p = 0; p < prefixes.size(); ++p) {
      for (const auto& expansion : frozen.prefixes[p]) *prefixes[p]->add_expansions() = expansion;
    }
    stat_terms = StatTermsForPlan(plan);
    if (stat_terms.size() != frozen.document_frequencies.size()) {
      return InvalidField("page_token", "does not match the query's terms");
    }
    global.collection = frozen.collection;
    global.document_frequencies = frozen.document_frequencies;
  } else {
  // ---- Phase 1: term statistics and prefix expansions.
  const std::vector<loupe::v1::FieldTerm> asked_terms = StatTermsForPlan(plan);
  // One TermStats prefix per (prefix clause, field).
  std::vector<std::pair<size_t, loupe::v1::Field>> asked_prefixes;
  for (size_t p = 0; p < prefixes.size(); ++p) {
    for (loupe::v1::Field field : FieldsOf(prefixes[p]->field())) asked_prefixes.push_back({p, field});
  }
  Calls<loupe::v1::TermStatsRequest, loupe::v1::TermStatsResponse> stats_calls;
  for (size_t i = 0; i < shards_.size(); ++i) {
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
      call->request.set_max_prefix_expansions(page.max_prefix_expansions);
    }
  }
  RunInParallel(stub_for, PhaseDeadline(deadline, kStatsPhaseShare), stats_calls,
                [](auto* async, auto* call, auto done) {
                  async->TermStats(&call->context, &call->request, &call->response,
                                   std::move(done));
                });
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
    global.collection.set_document_count(global.collection.document_count() +
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
    auto* stats = global.collection.add_fields();
    stats->set_field(static_cast<loupe::v1::Field>(field));
    stats->set_total_tokens(tokens);
  }
  for (size_t t = 0; t < asked_terms.size(); ++t) {
    df_by_term[{asked_terms[t].field(), asked_terms[t].term()}] = asked_dfs[t];
  }
  result.stats.prefixes.resize(prefixes.size());
  for (size_t e = 0; e < asked_prefixes.size(); ++e) {
    const auto& [p, field] = asked_prefixes[e];
    if (expansions[e].count(std::string()) > 0 ||
        expansions[e].size() > page.max_prefix_expansions) {
      return InvalidField(
          "query", absl::StrCat("prefix '", prefixes[p]->prefix(), "*' matches more than ",
                                page.max_prefix_expansions,
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
  stat_terms = StatTermsForPlan(plan);
  for (const auto& term : stat_terms) {
    global.document_frequencies.push_back(df_by_term[{term.field(), term.term()}]);
  }
  }
  result.stats.collection = global.collection;
  result.stats.document_frequencies = global.document_frequencies;
  result.stats.prefixes.assign(prefixes.size(), {});
  for (size_t p = 0; p < prefixes.size(); ++p) {
    result.stats.prefixes[p].assign(prefixes[p]->expansions().begin(),
                                    prefixes[p]->expansions().end());
  }

  // ---- Phase 2: per-shard top-k with the global statistics.
  Calls<loupe::v1::ShardSearchRequest, loupe::v1::ShardSearchResponse> search_calls;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (failed(i)) continue;
    auto& call = search_calls.emplace_back(
        std::make_unique<
            ShardCall<loupe::v1::ShardSearchRequest, loupe::v1::ShardSearchResponse>>());
    call->shard_index = i;
    loupe::v1::ShardSearchRequest& request = call->request;
    *request.mutable_plan() = plan;
    // One extra hit tells whether a next page exists.
    request.set_limit(std::min<uint32_t>(page.offset + page.limit + 1, kMaxShardLimit));
    request.set_order(page.order);
    if (page.after.has_value()) *request.mutable_search_after() = *page.after;
    *request.mutable_global_stats() = global.collection;
    for (const auto& term : stat_terms) *request.add_stat_terms() = term;
    for (uint64_t df : global.document_frequencies) request.add_stat_document_frequencies(df);
  }
  RunInParallel(stub_for, PhaseDeadline(deadline, kSearchPhaseShare), search_calls,
                [](auto* async, auto* call, auto done) {
                  async->Search(&call->context, &call->request, &call->response, std::move(done));
                });
  std::vector<ShardHits> shard_hits;
  absl::flat_hash_map<uint32_t, uint64_t> total_by_shard;
  for (const auto& call : search_calls) {
    if (!call->status.ok()) {
      fail(call->shard_index, DescribeStatus(call->status));
      continue;
    }
    ShardHits& hits = shard_hits.emplace_back();
    hits.shard = shards_[call->shard_index].id;
    hits.total_hits = call->response.total_hits();
    total_by_shard[hits.shard] = hits.total_hits;
    for (const auto& hit : call->response.hits()) {
      hits.hits.push_back(RankedHit{hit.id(), hit.score(), hits.shard, hit.date_seconds()});
    }
  }
  MergedPage merged = MergeShardHits(shard_hits, page.offset, page.limit + 1, page.order);
  // The shards could not return the extra hit past the window: assume more.
  const bool capped = page.offset + page.limit + 1 > kMaxShardLimit;
  const bool has_next = !merged.hits.empty() && (merged.hits.size() > page.limit ||
                                                 (capped && merged.hits.size() == page.limit));
  if (merged.hits.size() > page.limit) merged.hits.resize(page.limit);
  if (has_next) {
    loupe::v1::HitKey& key = result.next.emplace();
    key.set_score(merged.hits.back().score);
    key.set_date_seconds(merged.hits.back().date);
    key.set_id(merged.hits.back().id);
  }

  // ---- Phase 3: stored fields and snippets, from the shards that own the hits.
  Calls<loupe::v1::FetchRequest, loupe::v1::FetchResponse> fetch_calls;
  absl::flat_hash_map<size_t, size_t> fetch_call_by_shard;
  for (const RankedHit& hit : merged.hits) {
    auto [it, inserted] = fetch_call_by_shard.try_emplace(hit.shard, fetch_calls.size());
    if (inserted) {
      auto& call = fetch_calls.emplace_back(
          std::make_unique<ShardCall<loupe::v1::FetchRequest, loupe::v1::FetchResponse>>());
      call->shard_index = hit.shard;
      *call->request.mutable_plan() = plan;
      call->request.set_snippet_chars(page.snippet_chars);
    }
    fetch_calls[it->second]->request.add_ids(hit.id);
  }
  RunInParallel(stub_for, deadline, fetch_calls, [](auto* async, auto* call, auto done) {
    async->Fetch(&call->context, &call->request, &call->response, std::move(done));
  });
  // (shard, id) -> fetched document.
  absl::flat_hash_map<std::pair<uint32_t, std::string>, const loupe::v1::FetchedDocument*> docs;
  for (const auto& call : fetch_calls) {
    if (!call->status.ok()) {
      fail(call->shard_index, DescribeStatus(call->status));
      continue;
    }
    for (const auto& doc : call->response.documents()) {
      docs[{static_cast<uint32_t>(call->shard_index), doc.id()}] = &doc;
    }
  }

  // ---- Assemble: only shards that answered every phase contribute.
  loupe::v1::SearchResponse response;
  uint64_t total_hits = 0;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (failed(i)) {
      auto* missing = response.add_missing_shards();
      missing->set_shard(shards_[i].id);
      missing->set_address(shards_[i].address);
      missing->set_error(failures[i]);
    } else {
      response.add_answered_shards(shards_[i].id);
      total_hits += total_by_shard[shards_[i].id];
    }
  }
  if (response.answered_shards_size() == 0) {
    std::vector<std::string> errors;
    for (const auto& missing : response.missing_shards()) {
      errors.push_back(
          absl::StrCat("shard ", missing.shard(), " (", missing.address(), "): ", missing.error()));
    }
    return absl::UnavailableError(
        absl::StrCat("no index shard answered: ", absl::StrJoin(errors, "; ")));
  }
  response.set_total_hits(total_hits);
  for (const RankedHit& ranked : merged.hits) {
    if (failed(ranked.shard)) continue;
    auto doc = docs.find(std::make_pair(ranked.shard, ranked.id));
    // Deleted between Search and Fetch: the document is gone, leave it out.
    if (doc == docs.end()) continue;
    const loupe::v1::FetchedDocument& fetched = *doc->second;
    loupe::v1::Hit* hit = response.add_hits();
    hit->set_id(ranked.id);
    hit->set_score(ranked.score);
    hit->set_title(fetched.title());
    hit->set_snippet(fetched.snippet());
    if (fetched.has_published_at()) *hit->mutable_published_at() = fetched.published_at();
    hit->set_source(fetched.source());
    hit->set_url(fetched.url());
    hit->set_lang(fetched.lang());
    hit->set_shard(ranked.shard);
  }
  result.response = std::move(response);
  return result;
}

loupe::v1::ClusterInfoResponse ShardFanout::ClusterInfo(absl::Time deadline) const {
  Calls<loupe::v1::InfoRequest, loupe::v1::InfoResponse> calls;
  for (size_t i = 0; i < shards_.size(); ++i) {
    calls
        .emplace_back(
            std::make_unique<ShardCall<loupe::v1::InfoRequest, loupe::v1::InfoResponse>>())
        ->shard_index = i;
  }
  RunInParallel([this](size_t index) { return shards_[index].stub.get(); }, deadline, calls,
                [](auto* async, auto* call, auto done) {
                  async->Info(&call->context, &call->request, &call->response, std::move(done));
                });
  loupe::v1::ClusterInfoResponse response;
  response.set_shard_count(shard_count());
  uint64_t document_count = 0;
  for (const auto& call : calls) {
    const Shard& shard = shards_[call->shard_index];
    loupe::v1::ShardInfo* info = response.add_shards();
    info->set_shard(shard.id);
    info->set_address(shard.address);
    if (!call->status.ok()) {
      info->set_reachable(false);
      info->set_error(DescribeStatus(call->status));
      continue;
    }
    const loupe::v1::InfoResponse& answer = call->response;
    info->set_reachable(true);
    info->set_document_count(answer.stats().document_count());
    info->set_applied_sequence(answer.applied_sequence());
    info->set_disk_bytes(answer.disk_bytes());
    if (answer.shard_id() != shard.id || answer.shard_count() != shard_count()) {
      // Reachable, but not the shard this address should serve.
      info->set_error(absl::StrCat("misconfigured: the process at ", shard.address, " is shard ",
                                   answer.shard_id(), " of ", answer.shard_count(),
                                   ", expected shard ", shard.id, " of ", shard_count()));
    }
    document_count += answer.stats().document_count();
  }
  response.set_document_count(document_count);
  return response;
}

}  // namespace loupe::query
