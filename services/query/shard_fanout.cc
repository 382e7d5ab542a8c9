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
#include "services/common/server.h"
#include "services/common/status_util.h"
#include "services/query/hit_merge.h"

namespace loupe::query {
namespace {

using loupe::v1::IndexService;

// Shares of the remaining time given to the stats and search phases.
constexpr double kStatsPhaseShare = 0.3;
constexpr double kSearchPhaseShare = 0.7;

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
  for (const loupe::v1::TermClause& clause : plan.clauses()) {
    // Every form of the clause: the shards score a group with the largest
    // global df among its forms.
    auto add_forms = [&](loupe::v1::Field field) {
      add(field, clause.term());
      for (const std::string& alternative : clause.alternatives()) add(field, alternative);
    };
    if (clause.field() == loupe::v1::FIELD_UNSPECIFIED) {
      add_forms(loupe::v1::FIELD_TITLE);
      add_forms(loupe::v1::FIELD_BODY);
    } else {
      add_forms(clause.field());
    }
  }
  return terms;
}

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
  auto stub_for = [this](size_t index) { return shards_[index].stub.get(); };
  // Failures by shard index; a failed shard takes no part in later phases.
  std::map<size_t, std::string> failures;
  auto fail = [&failures](size_t index, std::string error) {
    failures.emplace(index, std::move(error));
  };
  auto failed = [&failures](size_t index) { return failures.count(index) > 0; };

  // ---- Phase 1: term statistics.
  const std::vector<loupe::v1::FieldTerm> stat_terms = StatTermsForPlan(plan);
  Calls<loupe::v1::TermStatsRequest, loupe::v1::TermStatsResponse> stats_calls;
  for (size_t i = 0; i < shards_.size(); ++i) {
    auto& call = stats_calls.emplace_back(
        std::make_unique<ShardCall<loupe::v1::TermStatsRequest, loupe::v1::TermStatsResponse>>());
    call->shard_index = i;
    for (const auto& term : stat_terms) *call->request.add_terms() = term;
  }
  RunInParallel(stub_for, PhaseDeadline(deadline, kStatsPhaseShare), stats_calls,
                [](auto* async, auto* call, auto done) {
                  async->TermStats(&call->context, &call->request, &call->response,
                                   std::move(done));
                });
  GlobalStats global;
  global.document_frequencies.assign(stat_terms.size(), 0);
  std::map<int, uint64_t> field_tokens;
  for (const auto& call : stats_calls) {
    if (!call->status.ok()) {
      fail(call->shard_index, DescribeStatus(call->status));
      continue;
    }
    const auto& response = call->response;
    if (static_cast<size_t>(response.document_frequencies_size()) != stat_terms.size()) {
      fail(call->shard_index,
           absl::StrCat("INTERNAL: TermStats returned ", response.document_frequencies_size(),
                        " document frequencies for ", stat_terms.size(), " terms"));
      continue;
    }
    global.collection.set_document_count(global.collection.document_count() +
                                         response.collection().document_count());
    for (const auto& field : response.collection().fields()) {
      field_tokens[field.field()] += field.total_tokens();
    }
    for (size_t t = 0; t < stat_terms.size(); ++t) {
      global.document_frequencies[t] += response.document_frequencies(static_cast<int>(t));
    }
  }
  for (const auto& [field, tokens] : field_tokens) {
    auto* stats = global.collection.add_fields();
    stats->set_field(static_cast<loupe::v1::Field>(field));
    stats->set_total_tokens(tokens);
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
    request.set_limit(page.offset + page.limit);
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
      hits.hits.push_back(RankedHit{hit.id(), hit.score(), hits.shard});
    }
  }
  MergedPage merged = MergeShardHits(shard_hits, page.offset, page.limit);

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
  return response;
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
