#include "services/index/shard_searcher.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/query_plan_terms.h"
#include "services/common/status_util.h"
#include "services/index/index_engine.h"
#include "services/index/facet_counter.h"
#include "services/index/index_schema.h"
#include "loupe/storage/v1/index_storage.pb.h"
#include "services/index/hit_collector.h"
#include "services/index/query_evaluator.h"
#include "services/index/top_k_search.h"

namespace loupe {
namespace {

// Copies collection statistics (document count, field token totals) into
// `scoring`.
void AddCollectionStats(const v1::CollectionStats& collection, ScoringContext* scoring) {
  scoring->document_count = collection.document_count();
  for (const v1::FieldStats& stats : collection.fields()) {
    scoring->field_tokens[stats.field()] = stats.total_tokens();
  }
}

// Most alternatives a clause may carry.
constexpr int kMaxAlternatives = kMaxTermAlternatives;

// The flat `clauses` of a plan as the equivalent boolean tree.
v1::QueryNode FlatPlanAsTree(const v1::QueryPlan& plan) {
  v1::QueryNode root;
  v1::BooleanQuery* boolean = root.mutable_boolean();
  for (const v1::TermClause& clause : plan.clauses()) {
    v1::BooleanClause* child = boolean->add_clauses();
    child->set_occur(clause.occur());
    *child->mutable_node()->mutable_term() = clause;
  }
  return root;
}

bool IsFiniteNonNegative(float value) { return std::isfinite(value) && value >= 0; }

// Request value when non-zero, else the default.
double Pick(float requested, double fallback) {
  return requested != 0 ? static_cast<double>(requested) : fallback;
}

absl::Status ValidateRequest(const v1::ShardSearchRequest& request) {
  FieldViolations violations;
  if (request.limit() < 1 || request.limit() > kMaxSearchLimit) {
    violations.Add("limit", absl::StrCat("is ", request.limit(), "; must be 1–", kMaxSearchLimit));
  }
  const v1::QueryPlan& plan = request.plan();
  if (plan.clauses_size() > kMaxPlanClauses) {
    violations.Add("plan.clauses", absl::StrCat("has ", plan.clauses_size(),
                                                " entries; at most ", kMaxPlanClauses));
    return violations.ToStatus("invalid Search request");
  }
  for (int i = 0; i < plan.clauses_size(); ++i) {
    const v1::TermClause& clause = plan.clauses(i);
    const std::string path = absl::StrCat("plan.clauses[", i, "]");
    if (clause.term().empty() || absl::StrContains(clause.term(), '\0')) {
      violations.Add(absl::StrCat(path, ".term"), "must be non-empty, without NUL");
    }
    if (clause.alternatives_size() > kMaxAlternatives) {
      violations.Add(absl::StrCat(path, ".alternatives"),
                     absl::StrCat("has ", clause.alternatives_size(), " entries; at most ",
                                  kMaxAlternatives));
    }
    for (int a = 0; a < clause.alternatives_size(); ++a) {
      const std::string& alternative = clause.alternatives(a);
      if (alternative.empty() || absl::StrContains(alternative, '\0')) {
        violations.Add(absl::StrCat(path, ".alternatives[", a, "]"),
                       "must be non-empty, without NUL");
      }
    }
    if (!v1::Field_IsValid(clause.field())) {
      violations.Add(absl::StrCat(path, ".field"), "is not a known Field");
    }
    if (!v1::Occur_IsValid(clause.occur())) {
      violations.Add(absl::StrCat(path, ".occur"), "is not a known Occur");
    }
    if (!IsFiniteNonNegative(clause.boost())) {
      violations.Add(absl::StrCat(path, ".boost"), "must be finite and >= 0");
    }
  }
  if (request.stat_terms_size() != request.stat_document_frequencies_size()) {
    violations.Add("stat_document_frequencies",
                   absl::StrCat("has ", request.stat_document_frequencies_size(),
                                " entries but stat_terms has ", request.stat_terms_size()));
  }
  if (request.local_statistics() &&
      (request.has_global_stats() || request.stat_terms_size() > 0 ||
       request.stat_document_frequencies_size() > 0)) {
    violations.Add("local_statistics",
                   "is set together with global_stats or stat_terms; send one or the other");
  }
  for (int i = 0; i < request.stat_terms_size(); ++i) {
    const v1::Field field = request.stat_terms(i).field();
    if (field != v1::FIELD_TITLE && field != v1::FIELD_BODY) {
      violations.Add(absl::StrCat("stat_terms[", i, "].field"),
                     "must be FIELD_TITLE or FIELD_BODY");
    }
  }
  if (request.fetch_top() > request.limit()) {
    violations.Add("fetch_top", absl::StrCat("is ", request.fetch_top(), "; at most limit (",
                                             request.limit(), ")"));
  }
  if (request.fetch_snippet_chars() > kMaxSnippetChars) {
    violations.Add("fetch_snippet_chars", absl::StrCat("is ", request.fetch_snippet_chars(),
                                                       "; at most ", kMaxSnippetChars));
  }
  if (!v1::HitOrder_IsValid(request.order())) violations.Add("order", "is not a known HitOrder");
  if (request.max_facet_values() > kMaxMaxFacetValues) {
    violations.Add("max_facet_values", absl::StrCat("is ", request.max_facet_values(),
                                                    "; at most ", kMaxMaxFacetValues));
  }
  const v1::ScoringParams& scoring = request.scoring();
  if (!IsFiniteNonNegative(scoring.k1())) violations.Add("scoring.k1", "must be finite and >= 0");
  if (!IsFiniteNonNegative(scoring.b()) || scoring.b() > 1) {
    violations.Add("scoring.b", "must be in [0, 1]");
  }
  if (!IsFiniteNonNegative(scoring.title_weight())) {
    violations.Add("scoring.title_weight", "must be finite and >= 0");
  }
  if (!IsFiniteNonNegative(scoring.body_weight())) {
    violations.Add("scoring.body_weight", "must be finite and >= 0");
  }
  if (!violations.empty()) return violations.ToStatus("invalid Search request");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ScoringContext> ShardSearcher::ResolveScoring(
    const v1::ShardSearchRequest& request, SearchTermRecords* records) const {
  const v1::ScoringParams& params = request.scoring();
  ScoringContext scoring;
  scoring.k1 = Pick(params.k1(), defaults_.k1);
  scoring.b = Pick(params.b(), defaults_.b);
  scoring.title_weight = Pick(params.title_weight(), defaults_.title_weight);
  scoring.body_weight = Pick(params.body_weight(), defaults_.body_weight);
  if (!request.local_statistics()) {
    for (int i = 0; i < request.stat_terms_size(); ++i) {
      const v1::FieldTerm& term = request.stat_terms(i);
      scoring.global_df[PostingStore::TermKey(term.field(), term.term())] =
          request.stat_document_frequencies(i);
    }
    AddCollectionStats(request.global_stats(), &scoring);
    return scoring;
  }

  if (local_collection_ == nullptr) {
    return absl::FailedPreconditionError("this searcher has no local statistics");
  }
  // The terms loupe-query would ask TermStats for, read once here.
  std::vector<std::string> keys;
  ForEachStatTerm(request.plan(), [&](v1::Field field, const std::string& term) {
    keys.push_back(PostingStore::TermKey(field, term));
  });
  absl::StatusOr<SearchTermRecords> read =
      SearchTermRecords::Read(*postings_, snapshot_, std::move(keys));
  if (!read.ok()) return read.status();
  *records = *std::move(read);
  for (const auto& [key, record] : records->by_key()) {
    scoring.global_df[key] = record->document_frequency;
  }
  AddCollectionStats(*local_collection_, &scoring);
  return scoring;
}

absl::StatusOr<std::string> ShardSearcher::DuplicateCluster(uint32_t docid,
                                                            const std::string& id) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string raw;
  rocksdb::Status status =
      store_->db()->Get(read, store_->Family(kStoredFamily), StoredKey(docid), &raw);
  if (!status.ok()) return FromRocksDb(status, "rocksdb get stored");
  storage::v1::StoredDocument stored;
  if (!stored.ParseFromString(raw)) return absl::DataLossError("corrupt stored document");
  return stored.duplicate_cluster().empty() ? id : stored.duplicate_cluster();
}

absl::StatusOr<v1::ShardSearchResponse> ShardSearcher::Search(
    const v1::ShardSearchRequest& request) const {
  LOUPE_RETURN_IF_ERROR(ValidateRequest(request));
  LOUPE_RETURN_IF_ERROR(ValidateFacetRequests(request.facets()));
  SearchTermRecords records;
  absl::StatusOr<ScoringContext> resolved = ResolveScoring(request, &records);
  if (!resolved.ok()) return resolved.status();
  const ScoringContext& scoring = *resolved;
  DateReader dates(store_, snapshot_);
  v1::QueryNode flat_root;
  if (!request.plan().has_root()) flat_root = FlatPlanAsTree(request.plan());
  const v1::QueryNode& root = request.plan().has_root() ? request.plan().root() : flat_root;
  const std::string root_path = request.plan().has_root() ? "plan.root" : "plan";
  const v1::HitOrder order = request.order();
  HitCollector collector(store_, snapshot_, &dates, order, request.limit(),
                         request.has_search_after() ? &request.search_after() : nullptr, ids_);
  v1::ShardSearchResponse response;

  // Ranked by score without facets: document at a time with pruning when
  // the plan allows it (top_k_search.h).
  if (order == v1::HIT_ORDER_SCORE && request.facets_size() == 0) {
    const uint64_t threshold = request.total_hits_threshold() == 0
                                   ? kDefaultTotalHitsThreshold
                                   : request.total_hits_threshold();
    absl::StatusOr<std::optional<PrunedCount>> pruned =
        PrunedTopK(*postings_, snapshot_, scoring, root, threshold, &collector, &records);
    if (!pruned.ok()) return pruned.status();
    if (pruned->has_value()) {
      response.set_total_hits((*pruned)->total_hits);
      response.set_total_hits_is_lower_bound((*pruned)->lower_bound);
      absl::StatusOr<std::vector<CollectedHit>> hits = collector.TakeSorted();
      if (!hits.ok()) return hits.status();
      LOUPE_RETURN_IF_ERROR(AddHits(request, *std::move(hits), &response));
      return response;
    }
  }

  QueryEvaluator evaluator(postings_, &dates, snapshot_, &scoring);
  absl::StatusOr<DocScores> matches = evaluator.Evaluate(root, root_path);
  if (!matches.ok()) return matches.status();
  for (const auto& [docid, score] : *matches) {
    LOUPE_RETURN_IF_ERROR(collector.Offer(docid, score));
  }
  response.set_total_hits(matches->size());
  if (request.facets_size() > 0) {
    const uint32_t max_values = request.max_facet_values() == 0 ? kDefaultMaxFacetValues
                                                                : request.max_facet_values();
    FacetCounter counter(postings_, &dates, snapshot_);
    for (const v1::ShardFacetRequest& facet : request.facets()) {
      absl::StatusOr<v1::ShardFacetResult> counts = counter.Count(facet, *matches, max_values);
      if (!counts.ok()) return counts.status();
      *response.add_facets() = *std::move(counts);
    }
  }
  absl::StatusOr<std::vector<CollectedHit>> hits = collector.TakeSorted();
  if (!hits.ok()) return hits.status();
  LOUPE_RETURN_IF_ERROR(AddHits(request, *std::move(hits), &response));
  return response;
}

absl::Status ShardSearcher::AddHits(const v1::ShardSearchRequest& request,
                                    std::vector<CollectedHit> hits,
                                    v1::ShardSearchResponse* response) const {
  const bool by_date = request.order() != v1::HIT_ORDER_SCORE;
  for (CollectedHit& hit : hits) {
    v1::ShardHit* out = response->add_hits();
    if (request.with_duplicate_clusters()) {
      absl::StatusOr<std::string> cluster = DuplicateCluster(hit.docid, hit.id);
      if (!cluster.ok()) return cluster.status();
      out->set_duplicate_cluster(*std::move(cluster));
    }
    out->set_id(std::move(hit.id));
    out->set_score(hit.score);
    out->set_date_seconds(by_date ? hit.date : kNoDate);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ShardExplainResponse> ShardSearcher::Explain(
    const v1::ShardExplainRequest& request) const {
  v1::ShardSearchRequest search = request.search();
  search.set_limit(1);  // Ignored; keeps the shared validation happy.
  LOUPE_RETURN_IF_ERROR(ValidateRequest(search));
  v1::ShardExplainResponse response;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string raw_ref;
  rocksdb::Status status =
      store_->db()->Get(read, store_->Family(kDocsFamily), request.id(), &raw_ref);
  if (status.IsNotFound()) return response;
  if (!status.ok()) return FromRocksDb(status, "rocksdb get docs");
  storage::v1::DocumentRef ref;
  if (!ref.ParseFromString(raw_ref)) return absl::DataLossError("corrupt docs record");
  response.set_found(true);

  SearchTermRecords records;
  absl::StatusOr<ScoringContext> resolved = ResolveScoring(search, &records);
  if (!resolved.ok()) return resolved.status();
  const ScoringContext& scoring = *resolved;
  response.mutable_scoring()->set_k1(static_cast<float>(scoring.k1));
  response.mutable_scoring()->set_b(static_cast<float>(scoring.b));
  response.mutable_scoring()->set_title_weight(static_cast<float>(scoring.title_weight));
  response.mutable_scoring()->set_body_weight(static_cast<float>(scoring.body_weight));
  DateReader dates(store_, snapshot_);
  QueryEvaluator evaluator(postings_, &dates, snapshot_, &scoring);
  evaluator.ExplainDocument(ref.docid(), response.mutable_components());
  absl::StatusOr<DocScores> matches =
      search.plan().has_root() ? evaluator.Evaluate(search.plan().root(), "plan.root")
                               : evaluator.Evaluate(FlatPlanAsTree(search.plan()), "plan");
  if (!matches.ok()) return matches.status();
  auto match = matches->find(ref.docid());
  if (match == matches->end()) {
    response.clear_components();
    return response;
  }
  response.set_matches(true);
  response.set_score(match->second);
  return response;
}

}  // namespace loupe
