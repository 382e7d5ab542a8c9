#include "services/index/index_engine.h"

#include <optional>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/hashing.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"
#include "services/common/utf8.h"
#include "services/index/batch_writer.h"
#include "services/index/document_fetcher.h"
#include "services/index/index_schema.h"
#include "services/index/shard_searcher.h"

namespace loupe {
namespace {

// Records `value` under `key` the first time; afterwards it must match.
absl::Status CheckOrRecordIdentity(RocksStore& store, absl::string_view key,
                                   absl::string_view value, absl::string_view what) {
  absl::StatusOr<std::optional<std::string>> recorded = store.Get(kMetaFamily, key);
  if (!recorded.ok()) return recorded.status();
  if (recorded->has_value()) {
    if (**recorded != value) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, " is ", value, " but this data folder was built with ", what, " ",
                       **recorded));
    }
    return absl::OkStatus();
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocksDb(store.db()->Put(sync, store.Family(kMetaFamily),
                                     ToSlice(key), ToSlice(value)),
                     absl::StrCat("record ", what));
}

v1::CollectionStats ToCollectionStats(const storage::v1::IndexState& state) {
  v1::CollectionStats stats;
  stats.set_document_count(state.document_count());
  v1::FieldStats* title = stats.add_fields();
  title->set_field(v1::FIELD_TITLE);
  title->set_total_tokens(state.title_tokens());
  v1::FieldStats* body = stats.add_fields();
  body->set_field(v1::FIELD_BODY);
  body->set_total_tokens(state.body_tokens());
  return stats;
}

// Releases a RocksDB snapshot when it goes out of scope.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

std::string GetOrEmpty(rocksdb::DB* db, const rocksdb::ReadOptions& read,
                       rocksdb::ColumnFamilyHandle* family, absl::string_view key,
                       rocksdb::Status* status) {
  std::string value;
  *status = db->Get(read, family, ToSlice(key), &value);
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<IndexEngine>> IndexEngine::Open(
    const std::string& data_dir, const IndexEngineOptions& options,
    const RocksOptions& rocks_options) {
  if (options.shard_count == 0 || options.shard_id >= options.shard_count) {
    return absl::InvalidArgumentError(absl::StrCat("shard id ", options.shard_id,
                                                   " is not below shard count ",
                                                   options.shard_count));
  }
  absl::StatusOr<std::unique_ptr<RocksStore>> store =
      RocksStore::Open(data_dir, AllFamilies(), rocks_options, IndexFamilyTuning());
  if (!store.ok()) return store.status();
  std::unique_ptr<Analyzer> analyzer = MakeDefaultAnalyzer();
  LOUPE_RETURN_IF_ERROR((*store)->CheckOrRecordShardCount(kMetaFamily, options.shard_count));
  LOUPE_RETURN_IF_ERROR(CheckOrRecordIdentity(**store, kShardIdKey,
                                              std::to_string(options.shard_id), "--shard_id"));
  // The layout version rides with the analyser's: either change refuses
  // an old data folder.
  LOUPE_RETURN_IF_ERROR(CheckOrRecordIdentity(
      **store, kAnalyzerVersionKey, absl::StrCat(analyzer->Version(), "+", kIndexFormat),
      "the analyser version + index format"));
  storage::v1::IndexState state;
  absl::StatusOr<std::optional<std::string>> raw = (*store)->Get(kMetaFamily, kStateKey);
  if (!raw.ok()) return raw.status();
  if (raw->has_value() && !state.ParseFromString(**raw)) {
    return absl::DataLossError("corrupt index/state record in the meta family");
  }
  return std::unique_ptr<IndexEngine>(
      new IndexEngine(*std::move(store), options, std::move(analyzer), std::move(state)));
}

IndexEngine::IndexEngine(std::unique_ptr<RocksStore> store, const IndexEngineOptions& options,
                         std::unique_ptr<Analyzer> analyzer, storage::v1::IndexState state)
    : store_(std::move(store)),
      options_(options),
      analyzer_(std::move(analyzer)),
      analyzer_version_(analyzer_->Version()),
      term_read_cache_(options.term_read_cache_bytes, options.posting_cache_bytes),
      postings_(store_->db(), store_->Family(kPostingsFamily), store_->Family(kTermsFamily),
                &term_read_cache_),
      external_ids_(options.external_id_cache_entries),
      state_(std::move(state)),
      term_records_(options.term_record_cache_bytes) {
  std::random_device random;
  instance_id_ =
      absl::StrCat(absl::Hex(random(), absl::kZeroPad8), absl::Hex(random(), absl::kZeroPad8));
}

std::string IndexEngine::StatisticsVersion(const storage::v1::IndexState& state) const {
  return absl::StrCat(instance_id_, ":", state.applied_sequence());
}

absl::Status IndexEngine::ValidateApply(const v1::ApplyRequest& request) const {
  if (request.shard_id() != options_.shard_id || request.shard_count() != options_.shard_count) {
    return absl::FailedPreconditionError(absl::StrCat(
        "request is for shard ", request.shard_id(), " of ", request.shard_count(),
        " but this is shard ", options_.shard_id, " of ", options_.shard_count));
  }
  FieldViolations violations;
  if (request.operations_size() > kMaxApplyOperations) {
    violations.Add("operations", absl::StrCat("has ", request.operations_size(),
                                              " entries; at most ", kMaxApplyOperations));
    return violations.ToStatus("invalid Apply request");
  }
  uint64_t previous_sequence = 0;
  for (int i = 0; i < request.operations_size(); ++i) {
    const v1::Operation& op = request.operations(i);
    const std::string path = absl::StrCat("operations[", i, "]");
    if (op.sequence() == 0) {
      violations.Add(absl::StrCat(path, ".sequence"), "must be at least 1");
    } else if (i > 0 && op.sequence() <= previous_sequence) {
      violations.Add(absl::StrCat(path, ".sequence"),
                     absl::StrCat("is ", op.sequence(), ", not above the previous operation's ",
                                  previous_sequence));
    }
    previous_sequence = op.sequence();
    switch (op.kind_case()) {
      case v1::Operation::kUpsert: {
        const v1::Document& document = op.upsert().document();
        const std::string doc_path = absl::StrCat(path, ".upsert.document");
        if (document.id().empty()) {
          violations.Add(absl::StrCat(doc_path, ".id"), "is required");
        } else if (ShardForId(document.id(), options_.shard_count) != options_.shard_id) {
          violations.Add(absl::StrCat(doc_path, ".id"),
                         absl::StrCat("\"", document.id(), "\" belongs to shard ",
                                      ShardForId(document.id(), options_.shard_count),
                                      ", not to shard ", options_.shard_id));
        }
        if (!IsValidUtf8(document.title())) {
          violations.Add(absl::StrCat(doc_path, ".title"), "is not valid UTF-8");
        }
        if (!IsValidUtf8(document.body())) {
          violations.Add(absl::StrCat(doc_path, ".body"), "is not valid UTF-8");
        }
        break;
      }
      case v1::Operation::kDeleteId:
        if (op.delete_id().empty()) {
          violations.Add(absl::StrCat(path, ".delete_id"), "is empty");
        }
        break;
      case v1::Operation::KIND_NOT_SET:
        violations.Add(path, "has neither upsert nor delete_id");
        break;
    }
    if (violations.size() >= 100) break;  // enough to act on
  }
  if (!violations.empty()) return violations.ToStatus("invalid Apply request");
  return absl::OkStatus();
}

absl::StatusOr<v1::ApplyResponse> IndexEngine::Apply(const v1::ApplyRequest& request) {
  LOUPE_RETURN_IF_ERROR(ValidateApply(request));
  absl::MutexLock lock(&apply_mutex_);
  v1::ApplyResponse response;
  BatchWriter writer(store_.get(), &postings_, *analyzer_, state_, &term_records_,
                     &term_read_cache_);
  uint64_t last_sequence = state_.applied_sequence();
  uint32_t applied = 0;
  uint32_t skipped = 0;
  for (const v1::Operation& op : request.operations()) {
    if (op.sequence() <= state_.applied_sequence()) {
      ++skipped;
      continue;
    }
    if (op.has_upsert()) {
      LOUPE_RETURN_IF_ERROR(writer.Upsert(op.upsert()));
    } else {
      LOUPE_RETURN_IF_ERROR(writer.Delete(op.delete_id()));
    }
    last_sequence = op.sequence();
    ++applied;
  }
  if (applied > 0) {
    LOUPE_RETURN_IF_ERROR(writer.Commit(last_sequence));
    state_ = writer.state();
  }
  response.set_applied_sequence(state_.applied_sequence());
  response.set_applied(applied);
  response.set_skipped(skipped);
  return response;
}

absl::StatusOr<storage::v1::IndexState> IndexEngine::ReadState(
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  rocksdb::Status status;
  std::string raw = GetOrEmpty(store_->db(), read, store_->Family(kMetaFamily), kStateKey, &status);
  storage::v1::IndexState state;
  if (status.IsNotFound()) return state;
  if (!status.ok()) return FromRocksDb(status, "rocksdb get index state");
  if (!state.ParseFromString(raw)) return absl::DataLossError("corrupt index/state record");
  return state;
}

absl::StatusOr<v1::TermStatsResponse> IndexEngine::TermStats(
    const v1::TermStatsRequest& request) const {
  FieldViolations violations;
  if (request.terms_size() > kMaxTermStatsTerms) {
    violations.Add("terms", absl::StrCat("has ", request.terms_size(), " entries; at most ",
                                         kMaxTermStatsTerms));
    return violations.ToStatus("invalid TermStats request");
  }
  for (int i = 0; i < request.terms_size(); ++i) {
    const v1::FieldTerm& term = request.terms(i);
    if (term.field() != v1::FIELD_TITLE && term.field() != v1::FIELD_BODY) {
      violations.Add(absl::StrCat("terms[", i, "].field"), "must be FIELD_TITLE or FIELD_BODY");
    }
    if (term.term().empty() || absl::StrContains(term.term(), '\0')) {
      violations.Add(absl::StrCat("terms[", i, "].term"), "must be non-empty, without NUL");
    }
  }
  if (request.prefixes_size() > kMaxTermStatsPrefixes) {
    violations.Add("prefixes", absl::StrCat("has ", request.prefixes_size(), " entries; at most ",
                                            kMaxTermStatsPrefixes));
  }
  for (int i = 0; i < request.prefixes_size(); ++i) {
    const v1::FieldTerm& prefix = request.prefixes(i);
    if (prefix.field() != v1::FIELD_TITLE && prefix.field() != v1::FIELD_BODY) {
      violations.Add(absl::StrCat("prefixes[", i, "].field"), "must be FIELD_TITLE or FIELD_BODY");
    }
    if (prefix.term().empty() || absl::StrContains(prefix.term(), '\0')) {
      violations.Add(absl::StrCat("prefixes[", i, "].term"), "must be non-empty, without NUL");
    }
  }
  if (request.prefixes_size() > 0 &&
      (request.max_prefix_expansions() < 1 ||
       request.max_prefix_expansions() > kMaxPrefixExpansions)) {
    violations.Add("max_prefix_expansions",
                   absl::StrCat("is ", request.max_prefix_expansions(), "; must be 1–",
                                kMaxPrefixExpansions));
  }
  if (!violations.empty()) return violations.ToStatus("invalid TermStats request");

  ScopedSnapshot snapshot(store_->db());
  absl::StatusOr<storage::v1::IndexState> state = ReadState(snapshot.get());
  if (!state.ok()) return state.status();
  v1::TermStatsResponse response;
  *response.mutable_collection() = ToCollectionStats(*state);
  response.set_statistics_version(StatisticsVersion(*state));
  std::vector<std::string> term_keys;
  term_keys.reserve(request.terms_size());
  for (const v1::FieldTerm& term : request.terms()) {
    term_keys.push_back(PostingStore::TermKey(term.field(), term.term()));
  }
  absl::StatusOr<std::vector<uint64_t>> frequencies =
      postings_.DocumentFrequencies(snapshot.get(), term_keys);
  if (!frequencies.ok()) return frequencies.status();
  response.mutable_document_frequencies()->Add(frequencies->begin(), frequencies->end());
  for (const v1::FieldTerm& prefix : request.prefixes()) {
    LOUPE_RETURN_IF_ERROR(postings_.ExpandPrefix(snapshot.get(), prefix.field(), prefix.term(),
                                                 request.max_prefix_expansions(),
                                                 response.add_prefix_expansions()));
  }
  return response;
}

absl::StatusOr<v1::ShardSearchResponse> IndexEngine::Search(
    const v1::ShardSearchRequest& request) const {
  ScopedSnapshot snapshot(store_->db());
  std::optional<v1::CollectionStats> local_collection;
  if (!request.expected_statistics_version().empty() || request.local_statistics()) {
    absl::StatusOr<storage::v1::IndexState> state = ReadState(snapshot.get());
    if (!state.ok()) return state.status();
    if (!request.expected_statistics_version().empty() &&
        StatisticsVersion(*state) != request.expected_statistics_version()) {
      v1::ShardSearchResponse stale;
      stale.set_stale_statistics(true);
      return stale;
    }
    if (request.local_statistics()) local_collection = ToCollectionStats(*state);
  }
  ShardSearcher searcher(store_.get(), &postings_, snapshot.get(), options_.scoring,
                         local_collection ? &*local_collection : nullptr, &external_ids_);
  absl::StatusOr<v1::ShardSearchResponse> response = searcher.Search(request);
  if (!response.ok() || request.fetch_top() == 0) return response;
  // The best hits' documents, from the snapshot the hits come from.
  google::protobuf::RepeatedPtrField<std::string> ids;
  for (const v1::ShardHit& hit : response->hits()) {
    if (static_cast<uint32_t>(ids.size()) == request.fetch_top()) break;
    *ids.Add() = hit.id();
  }
  DocumentFetcher fetcher(store_.get(), analyzer_.get(), snapshot.get(), request.plan(),
                          request.fetch_snippet_chars());
  LOUPE_RETURN_IF_ERROR(fetcher.Fetch(ids, response->mutable_documents()));
  return response;
}

absl::StatusOr<v1::ShardExplainResponse> IndexEngine::Explain(
    const v1::ShardExplainRequest& request) const {
  ScopedSnapshot snapshot(store_->db());
  std::optional<v1::CollectionStats> local_collection;
  if (request.search().local_statistics()) {
    absl::StatusOr<storage::v1::IndexState> state = ReadState(snapshot.get());
    if (!state.ok()) return state.status();
    local_collection = ToCollectionStats(*state);
  }
  ShardSearcher searcher(store_.get(), &postings_, snapshot.get(), options_.scoring,
                         local_collection ? &*local_collection : nullptr);
  return searcher.Explain(request);
}

absl::StatusOr<v1::FetchResponse> IndexEngine::Fetch(const v1::FetchRequest& request) const {
  FieldViolations violations;
  if (request.ids_size() > kMaxFetchIds) {
    violations.Add("ids", absl::StrCat("has ", request.ids_size(), " entries; at most ",
                                       kMaxFetchIds));
  }
  if (request.snippet_chars() > kMaxSnippetChars) {
    violations.Add("snippet_chars", absl::StrCat("is ", request.snippet_chars(), "; at most ",
                                                 kMaxSnippetChars));
  }
  if (!violations.empty()) return violations.ToStatus("invalid Fetch request");

  ScopedSnapshot snapshot(store_->db());
  DocumentFetcher fetcher(store_.get(), analyzer_.get(), snapshot.get(), request.plan(),
                          request.snippet_chars());
  v1::FetchResponse response;
  LOUPE_RETURN_IF_ERROR(fetcher.Fetch(request.ids(), response.mutable_documents()));
  return response;
}

absl::StatusOr<v1::InfoResponse> IndexEngine::Info() const {
  absl::StatusOr<storage::v1::IndexState> state = ReadState(nullptr);
  if (!state.ok()) return state.status();
  v1::InfoResponse response;
  response.set_shard_id(options_.shard_id);
  response.set_shard_count(options_.shard_count);
  response.set_applied_sequence(state->applied_sequence());
  *response.mutable_stats() = ToCollectionStats(*state);
  response.set_disk_bytes(store_->DiskBytes());
  response.set_analyzer_version(analyzer_version_);
  return response;
}

}  // namespace loupe
