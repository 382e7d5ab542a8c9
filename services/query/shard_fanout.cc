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
#include "services/common/query_plan_terms.h"
#include "services/common/server.h"
#include "services/common/status_util.h"
#include "services/query/duplicate_folding.h"
#include "services/query/global_stats.h"
#include "services/query/hit_merge.h"
#include "services/query/page_share.h"
#include "services/query/shard_calls.h"

namespace loupe::query {
namespace {

using loupe::v1::IndexService;

// The shards' largest Search limit.
constexpr uint32_t kMaxShardLimit = 10000;

}  // namespace

ShardFanout::ShardFanout(std::vector<std::string> addresses, size_t term_stats_cache_entries)
    : stats_cache_(std::make_unique<TermStatsCache>(addresses.size(), term_stats_cache_entries)) {
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
  // Per shard, the statistics_version of a phase-1 answer taken from the
  // cache (empty when the shard was asked).
  std::vector<std::string> cached_versions;

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
    LOUPE_RETURN_IF_ERROR(GatherGlobalStats(shards_.size(), stub_for,
                                            PhaseDeadline(deadline, kStatsPhaseShare),
                                            page.max_prefix_expansions, prefixes, fail, &plan,
                                            &global, &stat_terms, stats_cache_.get(),
                                            &cached_versions));
  }
  auto record_stats = [&] {
    result.stats.collection = global.collection;
    result.stats.document_frequencies = global.document_frequencies;
    result.stats.prefixes.assign(prefixes.size(), {});
    for (size_t p = 0; p < prefixes.size(); ++p) {
      result.stats.prefixes[p].assign(prefixes[p]->expansions().begin(),
                                      prefixes[p]->expansions().end());
    }
  };
  record_stats();

  // ---- Phase 2: per-shard top-k with the global statistics.
  // Hits needed: the page, what it skips, and one more that says whether a
  // next page exists (clusters, when folding).
  const uint32_t needed = page.offset + page.limit + 1;
  uint32_t shard_limit = std::min<uint32_t>(
      page.fold_duplicates ? needed * kFoldOverfetch : needed, kMaxShardLimit);
  absl::flat_hash_map<uint32_t, uint64_t> total_by_shard;
  absl::flat_hash_set<uint32_t> lower_bound_shards;  // total_hits is a lower bound
  absl::flat_hash_map<size_t, google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult>>
      facets_by_shard;
  std::vector<FoldedHit> ranked;  // In rank order, folded when asked.
  // (shard, id) -> the document a shard fetched with its hits (last round).
  absl::flat_hash_map<std::pair<uint32_t, std::string>, loupe::v1::FetchedDocument> prefetched;
  bool capped = false;            // A shard may hold more hits than it sent.
  bool first_round = true;
  int stale_rounds = 0;
  while (true) {
    Calls<loupe::v1::ShardSearchRequest, loupe::v1::ShardSearchResponse> search_calls;
    // A page from the top: each shard fetches its likely share of the page
    // with its hits, and phase 3 fetches only what is missing.
    const uint32_t fetch_top =
        page.offset == 0
            ? std::min(LikelyPageShare(page.limit, shards_.size() - failures.size()), shard_limit)
            : 0;
    const auto expected_version = [&](size_t shard) {
      return shard < cached_versions.size() ? cached_versions[shard] : std::string();
    };
    for (size_t i = 0; i < shards_.size(); ++i) {
      if (failed(i)) continue;
      auto& call = search_calls.emplace_back(
          std::make_unique<
              ShardCall<loupe::v1::ShardSearchRequest, loupe::v1::ShardSearchResponse>>());
      call->shard_index = i;
      loupe::v1::ShardSearchRequest& request = call->request;
      *request.mutable_plan() = plan;
      request.set_limit(shard_limit);
      request.set_order(page.order);
      if (page.after.has_value()) *request.mutable_search_after() = *page.after;
      *request.mutable_global_stats() = global.collection;
      for (const auto& term : stat_terms) *request.add_stat_terms() = term;
      for (uint64_t df : global.document_frequencies) request.add_stat_document_frequencies(df);
      if (first_round) {
        for (const auto& facet : page.facets) *request.add_facets() = facet;
        request.set_max_facet_values(page.max_facet_values);
      }
      request.set_with_duplicate_clusters(page.fold_duplicates);
      request.set_total_hits_threshold(page.total_hits_threshold);
      request.set_expected_statistics_version(expected_version(i));
      request.set_fetch_top(fetch_top);
      request.set_fetch_snippet_chars(page.snippet_chars);
    }
    RunInParallel(stub_for, PhaseDeadline(deadline, kSearchPhaseShare), search_calls,
                  [](auto* async, auto* call, auto done) {
                    async->Search(&call->context, &call->request, &call->response,
                                  std::move(done));
                  });
    // A shard whose cached statistics changed searched nothing: read its
    // statistics again and redo the round (after a second such round, with
    // no cache at all, as without one).
    bool stale = false;
    for (const auto& call : search_calls) {
      if (call->status.ok() && call->response.stale_statistics()) {
        stats_cache_->Forget(call->shard_index);
        stale = true;
      }
    }
    if (stale) {
      // Phase 1 again from scratch: its failures too, so that the sums and
      // the next round cover the same shards.
      failures.clear();
      global = GlobalStats();
      stat_terms.clear();
      cached_versions.clear();
      const bool use_cache = ++stale_rounds < 2;
      LOUPE_RETURN_IF_ERROR(GatherGlobalStats(
          shards_.size(), stub_for, PhaseDeadline(deadline, kStatsPhaseShare),
          page.max_prefix_expansions, prefixes, fail, &plan, &global, &stat_terms,
          use_cache ? stats_cache_.get() : nullptr, &cached_versions));
      record_stats();
      continue;
    }
    std::vector<ShardHits> shard_hits;
    bool shard_may_hold_more = false;
    prefetched.clear();
    for (const auto& call : search_calls) {
      if (!call->status.ok()) {
        fail(call->shard_index, DescribeStatus(call->status));
        continue;
      }
      ShardHits& hits = shard_hits.emplace_back();
      hits.shard = shards_[call->shard_index].id;
      for (loupe::v1::FetchedDocument& document : *call->response.mutable_documents()) {
        std::pair<uint32_t, std::string> key(hits.shard, document.id());
        prefetched.emplace(std::move(key), std::move(document));
      }
      hits.total_hits = call->response.total_hits();
      total_by_shard[hits.shard] = hits.total_hits;
      if (call->response.total_hits_is_lower_bound()) lower_bound_shards.insert(hits.shard);
      if (first_round) facets_by_shard[call->shard_index] = call->response.facets();
      if (static_cast<uint32_t>(call->response.hits_size()) >= shard_limit) {
        shard_may_hold_more = true;
      }
      for (const auto& hit : call->response.hits()) {
        hits.hits.push_back(RankedHit{hit.id(), hit.score(), hits.shard, hit.date_seconds(),
                                      hit.duplicate_cluster()});
      }
    }
    size_t candidates = 0;
    for (const ShardHits& hits : shard_hits) candidates += hits.hits.size();
    MergedPage merged = MergeShardHits(shard_hits, 0, static_cast<uint32_t>(candidates), page.order);
    if (page.fold_duplicates) {
      ranked = FoldDuplicates(merged.hits);
    } else {
      ranked.clear();
      for (RankedHit& hit : merged.hits) ranked.push_back(FoldedHit{std::move(hit), 0});
    }
    capped = shard_may_hold_more && shard_limit >= kMaxShardLimit;
    // Enough hits, or nothing more to ask for.
    if (ranked.size() >= needed || !shard_may_hold_more || shard_limit >= kMaxShardLimit) break;
    shard_limit = std::min<uint32_t>(shard_limit * 4, kMaxShardLimit);
    first_round = false;
  }
  // Skip the offset, keep the page plus the one that says "more follow".
  if (ranked.size() > page.offset) {
    ranked.erase(ranked.begin(), ranked.begin() + page.offset);
  } else {
    ranked.clear();
  }
  // When the shards could not return the extra hit past the window: assume more.
  const bool has_next = !ranked.empty() && (ranked.size() > page.limit ||
                                            (capped && ranked.size() == page.limit));
  if (ranked.size() > page.limit) ranked.resize(page.limit);
  if (has_next) {
    loupe::v1::HitKey& key = result.next.emplace();
    key.set_score(ranked.back().hit.score);
    key.set_date_seconds(ranked.back().hit.date);
    key.set_id(ranked.back().hit.id);
  }

  // ---- Phase 3: stored fields and snippets of the hits not fetched with
  // them, from the shards that own them.
  // (shard, id) -> fetched document.
  absl::flat_hash_map<std::pair<uint32_t, std::string>, const loupe::v1::FetchedDocument*> docs;
  Calls<loupe::v1::FetchRequest, loupe::v1::FetchResponse> fetch_calls;
  absl::flat_hash_map<size_t, size_t> fetch_call_by_shard;
  for (const FoldedHit& folded : ranked) {
    const RankedHit& hit = folded.hit;
    auto known = prefetched.find(std::make_pair(hit.shard, hit.id));
    if (known != prefetched.end()) {
      docs[known->first] = &known->second;
      continue;
    }
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
  bool total_is_lower_bound = false;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (failed(i)) {
      auto* missing = response.add_missing_shards();
      missing->set_shard(shards_[i].id);
      missing->set_address(shards_[i].address);
      missing->set_error(failures[i]);
    } else {
      response.add_answered_shards(shards_[i].id);
      total_hits += total_by_shard[shards_[i].id];
      total_is_lower_bound |= lower_bound_shards.contains(shards_[i].id);
      if (!page.facets.empty()) result.shard_facets.push_back(facets_by_shard[i]);
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
  response.set_total_hits_relation(total_is_lower_bound
                                       ? loupe::v1::TOTAL_HITS_RELATION_LOWER_BOUND
                                       : loupe::v1::TOTAL_HITS_RELATION_EXACT);
  for (const FoldedHit& folded : ranked) {
    const RankedHit& ranked = folded.hit;
    if (failed(ranked.shard)) continue;
    auto doc = docs.find(std::make_pair(ranked.shard, ranked.id));
    // Deleted between Search and Fetch: the document is gone, leave it out.
    if (doc == docs.end()) continue;
    const loupe::v1::FetchedDocument& fetched = *doc->second;
    loupe::v1::Hit* hit = response.add_hits();
    hit->set_id(ranked.id);
    hit->set_score(ranked.score);
    hit->set_title(fetched.title());
    hit->set_title_highlighted(fetched.title_highlighted());
    hit->set_folded_count(folded.folded_count);
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

absl::StatusOr<ExplainAnswer> ShardFanout::Explain(const loupe::v1::QueryPlan& original_plan,
                                                   const std::string& id,
                                                   uint32_t max_prefix_expansions,
                                                   absl::Time deadline) const {
  auto stub_for = [this](size_t index) { return shards_[index].stub.get(); };
  std::map<size_t, std::string> failures;
  auto fail = [&failures](size_t index, std::string error) {
    failures.emplace(index, std::move(error));
  };
  loupe::v1::QueryPlan plan = original_plan;
  std::vector<loupe::v1::PrefixClause*> prefixes;
  if (plan.has_root()) CollectPrefixes(plan.mutable_root(), &prefixes);
  GlobalStats global;
  std::vector<loupe::v1::FieldTerm> stat_terms;
  LOUPE_RETURN_IF_ERROR(GatherGlobalStats(shards_.size(), stub_for,
                                          PhaseDeadline(deadline, kStatsPhaseShare),
                                          max_prefix_expansions, prefixes, fail, &plan, &global,
                                          &stat_terms));
  Calls<loupe::v1::ShardExplainRequest, loupe::v1::ShardExplainResponse> calls;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (failures.count(i) > 0) continue;
    auto& call = calls.emplace_back(
        std::make_unique<
            ShardCall<loupe::v1::ShardExplainRequest, loupe::v1::ShardExplainResponse>>());
    call->shard_index = i;
    loupe::v1::ShardSearchRequest& search = *call->request.mutable_search();
    *search.mutable_plan() = plan;
    search.set_limit(1);
    *search.mutable_global_stats() = global.collection;
    for (const auto& term : stat_terms) *search.add_stat_terms() = term;
    for (uint64_t df : global.document_frequencies) search.add_stat_document_frequencies(df);
    call->request.set_id(id);
  }
  RunInParallel(stub_for, deadline, calls, [](auto* async, auto* call, auto done) {
    async->Explain(&call->context, &call->request, &call->response, std::move(done));
  });
  for (const auto& call : calls) {
    if (!call->status.ok()) {
      // A malformed plan is the caller's error, whichever shard says it.
      if (call->status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        return absl::InvalidArgumentError(call->status.error_message());
      }
      fail(call->shard_index, DescribeStatus(call->status));
      continue;
    }
    if (!call->response.found()) continue;
    ExplainAnswer answer;
    answer.shard = shards_[call->shard_index].id;
    answer.explanation = std::move(call->response);
    answer.collection = global.collection;
    return answer;
  }
  if (!failures.empty()) {
    std::vector<std::string> errors;
    for (const auto& [index, error] : failures) {
      errors.push_back(absl::StrCat("shard ", shards_[index].id, " (", shards_[index].address,
                                    "): ", error));
    }
    return absl::UnavailableError(absl::StrCat("document \"", id,
                                               "\" not found on the shards that answered; ",
                                               absl::StrJoin(errors, "; ")));
  }
  return absl::NotFoundError(absl::StrCat("no document with id \"", id, "\""));
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
