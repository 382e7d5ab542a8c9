#include "services/ingest/ingest_engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "loupe/storage/v1/ingest_storage.pb.h"
#include "services/common/hashing.h"
#include "services/common/key_codec.h"
#include "services/common/log.h"
#include "services/common/readable_write_batch.h"
#include "services/common/status_util.h"
#include "services/ingest/document_normalizer.h"
#include "services/ingest/language_detector.h"

namespace loupe {
namespace {

using loupe::storage::v1::IngestDocumentRecord;
using loupe::v1::Document;

constexpr absl::string_view kMeta = "meta";
constexpr absl::string_view kDocuments = "documents";
constexpr absl::string_view kOutbox = "outbox";
constexpr absl::string_view kDedup = "dedup";
constexpr absl::string_view kLiveDocumentsKey = "stats/live_documents";

std::string ShardMetaKey(uint32_t shard, absl::string_view what) {
  std::string key = "shard/";
  AppendBigEndian32(&key, shard);
  absl::StrAppend(&key, "/", what);
  return key;
}
std::string LastSequenceKey(uint32_t shard) { return ShardMetaKey(shard, "last_sequence"); }
std::string AppliedSequenceKey(uint32_t shard) { return ShardMetaKey(shard, "applied_sequence"); }
// Present while the shard has not been reconciled since an Open (see
// IngestEngine::ReconcileWithShard): the last sequence at that Open.
std::string UnverifiedFloorKey(uint32_t shard) { return ShardMetaKey(shard, "unverified_floor"); }

std::string OutboxKey(uint32_t shard, uint64_t sequence) {
  std::string key = BigEndian32(shard);
  AppendBigEndian64(&key, sequence);
  return key;
}

absl::StatusOr<uint64_t> ReadCounter(const RocksStore& store, absl::string_view key) {
  absl::StatusOr<std::optional<std::string>> value = store.Get(kMeta, key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return 0;
  if ((*value)->size() != 8) {
    return absl::DataLossError(absl::StrCat("meta key ", key, " holds ", (*value)->size(),
                                            " bytes, expected 8"));
  }
  return DecodeBigEndian64((*value)->data());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t nanos = absl::ToUnixNanos(time);
  timestamp.set_seconds(nanos / 1000000000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return timestamp;
}

// Reads the record of `id` as the batch would leave it.
absl::StatusOr<std::optional<IngestDocumentRecord>> ReadRecord(rocksdb::DB* db,
                                                         rocksdb::ColumnFamilyHandle* family,
                                                         const ReadableWriteBatch& batch,
                                                         absl::string_view id) {
  absl::StatusOr<std::optional<std::string>> value = batch.Get(db, family, id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<IngestDocumentRecord>();
  IngestDocumentRecord record;
  if (!record.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("document record of '", id, "' does not parse"));
  }
  return std::optional<IngestDocumentRecord>(std::move(record));
}

ContentSignature SignatureOf(const IngestDocumentRecord& record) {
  return {record.body_fingerprint(), record.simhash(), record.has_simhash()};
}

absl::Status BacklogFull(uint32_t shard, uint64_t backlog, uint64_t limit) {
  absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
      "index shard ", shard, " is behind by ", backlog, " operations (limit ", limit,
      ", --max_backlog); nothing was written; retry once the shard catches up"));
  AttachErrorInfo(status, "BACKLOG_FULL", {{"shard", std::to_string(shard)}});
  return status;
}

}  // namespace

// A validated, normalised document with everything computed outside the lock.
struct IngestEngine::PreparedDocument {
  Document document;  // Normalised; id and lang set; version = client's.
  ContentSignature signature;
  uint32_t shard = 0;
};

IngestEngine::IngestEngine(std::unique_ptr<RocksStore> store, const IngestEngineOptions& options)
    : store_(std::move(store)),
      options_(options),
      analyzer_(MakeDefaultAnalyzer()),
      duplicates_(store_->db(), store_->Family(kDedup)),
      shards_(options.shard_count) {}

IngestEngine::~IngestEngine() = default;

absl::StatusOr<std::unique_ptr<IngestEngine>> IngestEngine::Open(
    const std::string& path, const IngestEngineOptions& options,
    const RocksOptions& rocks_options) {
  if (options.shard_count == 0) return absl::InvalidArgumentError("shard_count must be > 0");
  // The outbox is trimmed with DeleteRange, which RocksDB 7's row cache does
  // not see (a Get could answer a trimmed key; facebook/rocksdb#4122): no
  // row cache here, whatever --rocksdb_row_cache_mb says.
  RocksOptions without_row_cache = rocks_options;
  without_row_cache.row_cache_mb = 0;
  absl::StatusOr<std::unique_ptr<RocksStore>> store = RocksStore::Open(
      path,
      {std::string(kMeta), std::string(kDocuments), std::string(kOutbox), std::string(kDedup)},
      without_row_cache,
      // A batch writes its documents in key order (ReadableWriteBatch).
      {{std::string(kDedup), TuneDuplicateFamily},
       {std::string(kDocuments), InsertHintByPrefix(0)}});
  if (!store.ok()) return store.status();
  LOUPE_RETURN_IF_ERROR((*store)->CheckOrRecordShardCount(kMeta, options.shard_count));
  std::unique_ptr<IngestEngine> engine(new IngestEngine(*std::move(store), options));
  LOUPE_RETURN_IF_ERROR(engine->LoadState());
  return engine;
}

absl::Status IngestEngine::LoadState() {
  absl::MutexLock lock(&state_mu_);
  const absl::Time now = absl::Now();
  rocksdb::WriteBatch floors;
  for (uint32_t shard = 0; shard < options_.shard_count; ++shard) {
    absl::StatusOr<uint64_t> last = ReadCounter(*store_, LastSequenceKey(shard));
    if (!last.ok()) return last.status();
    absl::StatusOr<uint64_t> applied = ReadCounter(*store_, AppliedSequenceKey(shard));
    if (!applied.ok()) return applied.status();
    ShardState& state = shards_[shard];
    state.last_sequence = *last;
    state.applied_sequence = std::min(*applied, *last);
    // Commit times of operations from before the restart are unknown.
    if (state.last_sequence > state.applied_sequence) {
      state.commits.emplace_back(state.last_sequence, now);
    }
    // Keep the floor of an earlier Open that was never reconciled: sequences
    // above it have not been checked against the shard yet.
    absl::StatusOr<std::optional<std::string>> floor =
        store_->Get(kMeta, UnverifiedFloorKey(shard));
    if (!floor.ok()) return floor.status();
    if (floor->has_value()) {
      absl::StatusOr<uint64_t> value = ReadCounter(*store_, UnverifiedFloorKey(shard));
      if (!value.ok()) return value.status();
      state.unverified_floor = *value;
    } else {
      state.unverified_floor = state.last_sequence;
      LOUPE_RETURN_IF_ERROR(FromRocksDb(floors.Put(store_->Family(kMeta), UnverifiedFloorKey(shard),
                                                   BigEndian64(state.last_sequence)),
                                        "put sequence floor"));
    }
  }
  LOUPE_RETURN_IF_ERROR(
      FromRocksDb(store_->db()->Write(store_->durable_write(), &floors), "write sequence floors"));
  absl::StatusOr<uint64_t> live = ReadCounter(*store_, kLiveDocumentsKey);
  if (!live.ok()) return live.status();
  live_documents_ = *live;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<IngestEngine::PreparedDocument>> IngestEngine::Prepare(
    const google::protobuf::RepeatedPtrField<Document>& documents) const {
  FieldViolations violations;
  ValidateIngestBatch(documents, options_.limits, &violations);
  if (!violations.empty()) return violations.ToStatus("invalid documents");

  std::vector<PreparedDocument> prepared(documents.size());
  for (int i = 0; i < documents.size(); ++i) {
    const std::string prefix = absl::StrCat("documents[", i, "]");
    absl::StatusOr<Document> normalized = NormalizeDocument(documents[i]);
    if (!normalized.ok()) {  // Unreachable after validation; kept as a guard.
      violations.Add(prefix, std::string(normalized.status().message()));
      continue;
    }
    ValidateNormalizedText(*normalized, prefix, &violations);
    PreparedDocument& doc = prepared[i];
    doc.document = *std::move(normalized);
    Document& d = doc.document;
    if (d.id().empty()) {
      d.set_id(d.url().empty() ? "c-" + Hex64(Fingerprint64(ContentText(d)))
                               : "u-" + Hex64(Fingerprint64(d.url())));
    }
    if (d.lang().empty()) d.set_lang(DetectLanguage(d.title(), d.body()));
    doc.signature = ComputeSignature(*analyzer_, ContentText(d), d.lang());
    doc.shard = ShardForId(d.id(), options_.shard_count);
  }
  if (!violations.empty()) return violations.ToStatus("invalid documents");
  return prepared;
}

absl::StatusOr<std::vector<uint64_t>> IngestEngine::ReserveShards(
    std::vector<uint32_t> target_shards) const {
  std::sort(target_shards.begin(), target_shards.end());
  target_shards.erase(std::unique(target_shards.begin(), target_shards.end()),
                      target_shards.end());
  LOUPE_RETURN_IF_ERROR(CheckBacklog(target_shards));
  std::vector<uint64_t> last_sequences(options_.shard_count);
  absl::MutexLock lock(&state_mu_);
  for (uint32_t s = 0; s < options_.shard_count; ++s) last_sequences[s] = shards_[s].last_sequence;
  return last_sequences;
}

absl::Status IngestEngine::CheckBacklog(const std::vector<uint32_t>& shards) const {
  absl::MutexLock lock(&state_mu_);
  for (uint32_t shard : shards) {
    const ShardState& state = shards_[shard];
    const uint64_t backlog = state.last_sequence - state.applied_sequence;
    if (backlog >= options_.max_backlog) return BacklogFull(shard, backlog, options_.max_backlog);
  }
  return absl::OkStatus();
}

void IngestEngine::Publish(const std::vector<uint64_t>& new_last_sequences, int64_t live_delta) {
  std::vector<uint32_t> changed;
  {
    absl::MutexLock lock(&state_mu_);
    const absl::Time now = absl::Now();
    for (uint32_t shard = 0; shard < options_.shard_count; ++shard) {
      ShardState& state = shards_[shard];
      if (new_last_sequences[shard] == state.last_sequence) continue;
      state.last_sequence = new_last_sequences[shard];
      state.commits.emplace_back(state.last_sequence, now);
      changed.push_back(shard);
    }
    live_documents_ = static_cast<uint64_t>(static_cast<int64_t>(live_documents_) + live_delta);
  }
  if (commit_listener_) {
    for (uint32_t shard : changed) commit_listener_(shard);
  }
}

absl::StatusOr<loupe::v1::IngestResponse> IngestEngine::Ingest(
    const google::protobuf::RepeatedPtrField<Document>& documents) {
  absl::StatusOr<std::vector<PreparedDocument>> prepared = Prepare(documents);
  if (!prepared.ok()) return prepared.status();

  absl::MutexLock write_lock(&write_mu_);
  std::vector<uint32_t> target_shards;
  for (const PreparedDocument& doc : *prepared) target_shards.push_back(doc.shard);
  absl::StatusOr<std::vector<uint64_t>> reserved = ReserveShards(std::move(target_shards));
  if (!reserved.ok()) return reserved.status();
  std::vector<uint64_t> last_sequences = *std::move(reserved);
  const std::vector<uint64_t> previous_sequences = last_sequences;
  int64_t live_delta = 0;
  const absl::Time now = absl::Now();
  rocksdb::ColumnFamilyHandle* documents_family = store_->Family(kDocuments);
  // Later documents of the batch read the records and duplicate entries
  // that earlier ones wrote. The outbox is never read back, but a readable
  // family is written in key order: shard after shard, each insert next to
  // the previous one in the memtable (not so when the shards alternate).
  ReadableWriteBatch batch({documents_family, store_->Family(kDedup), store_->Family(kOutbox)});
  loupe::v1::IngestResponse response;

  for (PreparedDocument& doc : *prepared) {
    Document& d = doc.document;
    absl::StatusOr<std::optional<IngestDocumentRecord>> stored =
        ReadRecord(store_->db(), documents_family, batch, d.id());
    if (!stored.ok()) return stored.status();
    const bool live = stored->has_value() && !(*stored)->deleted();
    const int64_t stored_version = stored->has_value() ? (*stored)->document().version() : 0;
    const int64_t client_version = d.version();

    bool unchanged = false;
    if (client_version > 0) {
      unchanged = stored->has_value() && stored_version >= client_version;
    } else if (live) {
      Document previous = (*stored)->document();
      previous.set_version(0);
      unchanged = google::protobuf::util::MessageDifferencer::Equals(previous, d);
    }
    loupe::v1::IngestResult* result = response.add_results();
    result->set_id(d.id());
    result->set_shard(doc.shard);
    if (unchanged) {
      const IngestDocumentRecord& record = **stored;
      result->set_version(stored_version);
      result->set_outcome(loupe::v1::INGEST_OUTCOME_UNCHANGED);
      result->set_lang(record.deleted() ? d.lang() : record.document().lang());
      result->set_duplicate_cluster(record.deleted() ? "" : record.duplicate_cluster());
      continue;
    }

    d.set_version(client_version > 0 ? client_version : stored_version + 1);
    if (live) LOUPE_RETURN_IF_ERROR(duplicates_.Remove(d.id(), SignatureOf(**stored), &batch));
    absl::StatusOr<std::optional<std::string>> cluster =
        duplicates_.FindCluster(doc.signature, batch);
    if (!cluster.ok()) return cluster.status();
    const std::string cluster_id = cluster->value_or(d.id());
    LOUPE_RETURN_IF_ERROR(duplicates_.Add(d.id(), doc.signature, cluster_id, &batch));

    IngestDocumentRecord record;
    *record.mutable_document() = d;
    record.set_duplicate_cluster(cluster_id);
    *record.mutable_ingested_at() = ToTimestamp(now);
    record.set_body_fingerprint(doc.signature.body_fingerprint);
    record.set_simhash(doc.signature.simhash);
    record.set_has_simhash(doc.signature.has_simhash);
    LOUPE_RETURN_IF_ERROR(batch.Put(documents_family, d.id(), record.SerializeAsString()));

    loupe::v1::Operation operation;
    operation.set_sequence(++last_sequences[doc.shard]);
    *operation.mutable_upsert()->mutable_document() = d;
    operation.mutable_upsert()->set_duplicate_cluster(cluster_id);
    LOUPE_RETURN_IF_ERROR(batch.Put(store_->Family(kOutbox),
                                    OutboxKey(doc.shard, operation.sequence()),
                                    operation.SerializeAsString()));
    if (!live) ++live_delta;

    result->set_version(d.version());
    result->set_outcome(live ? loupe::v1::INGEST_OUTCOME_UPDATED
                             : loupe::v1::INGEST_OUTCOME_CREATED);
    result->set_lang(d.lang());
    result->set_duplicate_cluster(cluster_id);
  }

  if (last_sequences == previous_sequences) return response;  // All unchanged.
  uint64_t live_count;
  {
    absl::MutexLock lock(&state_mu_);
    live_count = live_documents_ + live_delta;
  }
  for (uint32_t shard = 0; shard < options_.shard_count; ++shard) {
    if (last_sequences[shard] == previous_sequences[shard]) continue;
    LOUPE_RETURN_IF_ERROR(batch.Put(store_->Family(kMeta), LastSequenceKey(shard),
                                    BigEndian64(last_sequences[shard])));
  }
  LOUPE_RETURN_IF_ERROR(
      batch.Put(store_->Family(kMeta), kLiveDocumentsKey, BigEndian64(live_count)));
  LOUPE_RETURN_IF_ERROR(batch.Write(store_->db(), store_->durable_write(), "write ingest batch"));
  Publish(last_sequences, live_delta);
  return response;
}

absl::StatusOr<loupe::v1::DeleteResponse> IngestEngine::Delete(
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  FieldViolations violations;
  ValidateDeleteIds(ids, options_.limits, &violations);
  if (!violations.empty()) return violations.ToStatus("invalid delete request");

  absl::MutexLock write_lock(&write_mu_);
  std::vector<uint32_t> target_shards;
  for (const std::string& id : ids) target_shards.push_back(ShardForId(id, options_.shard_count));
  absl::StatusOr<std::vector<uint64_t>> reserved = ReserveShards(std::move(target_shards));
  if (!reserved.ok()) return reserved.status();
  std::vector<uint64_t> last_sequences = *std::move(reserved);
  int64_t live_delta = 0;
  const absl::Time now = absl::Now();
  rocksdb::ColumnFamilyHandle* documents_family = store_->Family(kDocuments);
  // An id repeated in the request reads the tombstone written for it.
  // The outbox is readable for its key order, as in Ingest.
  ReadableWriteBatch batch({documents_family, store_->Family(kOutbox)});
  loupe::v1::DeleteResponse response;
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<IngestDocumentRecord>> stored =
        ReadRecord(store_->db(), documents_family, batch, id);
    if (!stored.ok()) return stored.status();
    loupe::v1::DeleteResult* result = response.add_results();
    result->set_id(id);
    if (!stored->has_value() || (*stored)->deleted()) {
      result->set_found(false);
      result->set_version(stored->has_value() ? (*stored)->document().version() : 0);
      continue;
    }
    const IngestDocumentRecord& previous = **stored;
    LOUPE_RETURN_IF_ERROR(duplicates_.Remove(id, SignatureOf(previous), &batch));
    IngestDocumentRecord tombstone;
    tombstone.mutable_document()->set_id(id);
    tombstone.mutable_document()->set_version(previous.document().version());
    tombstone.set_deleted(true);
    *tombstone.mutable_ingested_at() = ToTimestamp(now);
    LOUPE_RETURN_IF_ERROR(batch.Put(documents_family, id, tombstone.SerializeAsString()));
    const uint32_t shard = ShardForId(id, options_.shard_count);
    loupe::v1::Operation operation;
    operation.set_sequence(++last_sequences[shard]);
    operation.set_delete_id(id);
    LOUPE_RETURN_IF_ERROR(batch.Put(store_->Family(kOutbox), OutboxKey(shard, operation.sequence()),
                                    operation.SerializeAsString()));
    --live_delta;
    result->set_found(true);
    result->set_version(previous.document().version());
  }
  if (live_delta == 0) return response;
  uint64_t live_count;
  {
    absl::MutexLock lock(&state_mu_);
    live_count = live_documents_ + live_delta;
    for (uint32_t shard = 0; shard < options_.shard_count; ++shard) {
      if (last_sequences[shard] == shards_[shard].last_sequence) continue;
      LOUPE_RETURN_IF_ERROR(batch.Put(store_->Family(kMeta), LastSequenceKey(shard),
                                      BigEndian64(last_sequences[shard])));
    }
  }
  LOUPE_RETURN_IF_ERROR(
      batch.Put(store_->Family(kMeta), kLiveDocumentsKey, BigEndian64(live_count)));
  LOUPE_RETURN_IF_ERROR(batch.Write(store_->db(), store_->durable_write(), "write delete batch"));
  Publish(last_sequences, live_delta);
  return response;
}

absl::StatusOr<loupe::v1::GetResponse> IngestEngine::Get(absl::string_view id) const {
  FieldViolations violations;
  ValidateId(id, options_.limits, "id", &violations);
  if (!violations.empty()) return violations.ToStatus("invalid get request");
  absl::StatusOr<std::optional<std::string>> value = store_->Get(kDocuments, id);
  if (!value.ok()) return value.status();
  IngestDocumentRecord record;
  if (value->has_value() && !record.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("document record of '", id, "' does not parse"));
  }
  if (!value->has_value() || record.deleted()) {
    return absl::NotFoundError(absl::StrCat("document '", id, "' ",
                                            value->has_value() ? "was deleted" : "is unknown"));
  }
  loupe::v1::GetResponse response;
  *response.mutable_document() = record.document();
  response.set_shard(ShardForId(id, options_.shard_count));
  response.set_duplicate_cluster(record.duplicate_cluster());
  *response.mutable_ingested_at() = record.ingested_at();
  return response;
}

uint64_t IngestEngine::document_count() const {
  absl::MutexLock lock(&state_mu_);
  return live_documents_;
}

ShardBacklog IngestEngine::Backlog(uint32_t shard) const {
  absl::MutexLock lock(&state_mu_);
  const ShardState& state = shards_.at(shard);
  ShardBacklog backlog;
  backlog.last_sequence = state.last_sequence;
  backlog.applied_sequence = state.applied_sequence;
  if (!state.commits.empty() && state.last_sequence > state.applied_sequence) {
    backlog.oldest_unshipped_age_ms =
        std::max<int64_t>(0, absl::ToInt64Milliseconds(absl::Now() - state.commits.front().second));
  }
  return backlog;
}

absl::StatusOr<std::vector<loupe::v1::Operation>> IngestEngine::ReadOutbox(
    uint32_t shard, uint64_t after_sequence, size_t max_operations, size_t max_bytes) const {
  std::vector<loupe::v1::Operation> operations;
  const std::string prefix = BigEndian32(shard);
  std::unique_ptr<rocksdb::Iterator> it(
      store_->db()->NewIterator(rocksdb::ReadOptions(), store_->Family(kOutbox)));
  size_t bytes = 0;
  for (it->Seek(OutboxKey(shard, after_sequence + 1));
       it->Valid() && it->key().starts_with(prefix) && operations.size() < max_operations;
       it->Next()) {
    if (!operations.empty() && bytes + it->value().size() > max_bytes) break;
    bytes += it->value().size();
    loupe::v1::Operation& operation = operations.emplace_back();
    if (!operation.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("outbox entry of shard ", shard, " at sequence ",
                                              DecodeBigEndian64(it->key().data() + 4),
                                              " does not parse"));
    }
  }
  LOUPE_RETURN_IF_ERROR(FromRocksDb(it->status(), "scan outbox"));
  return operations;
}

absl::Status IngestEngine::MarkApplied(uint32_t shard, uint64_t applied_sequence) {
  {
    absl::MutexLock lock(&state_mu_);
    const ShardState& state = shards_.at(shard);
    applied_sequence = std::min(applied_sequence, state.last_sequence);
    if (applied_sequence <= state.applied_sequence) return absl::OkStatus();
  }
  // Not synced: if this write is lost, the outbox still holds the entries and
  // the shard skips them as already applied.
  rocksdb::WriteBatch batch;
  LOUPE_RETURN_IF_ERROR(FromRocksDb(
      batch.Put(store_->Family(kMeta), AppliedSequenceKey(shard), BigEndian64(applied_sequence)),
      "put applied sequence"));
  LOUPE_RETURN_IF_ERROR(FromRocksDb(batch.DeleteRange(store_->Family(kOutbox), OutboxKey(shard, 0),
                                                      OutboxKey(shard, applied_sequence + 1)),
                                    "trim outbox"));
  LOUPE_RETURN_IF_ERROR(
      FromRocksDb(store_->db()->Write(rocksdb::WriteOptions(), &batch), "write applied sequence"));
  absl::MutexLock lock(&state_mu_);
  ShardState& state = shards_[shard];
  state.applied_sequence = std::max(state.applied_sequence, applied_sequence);
  while (!state.commits.empty() && state.commits.front().first <= state.applied_sequence) {
    state.commits.pop_front();
  }
  return absl::OkStatus();
}

bool IngestEngine::NeedsReconcile(uint32_t shard) const {
  absl::MutexLock lock(&state_mu_);
  return shards_.at(shard).unverified_floor.has_value();
}

absl::Status IngestEngine::ReconcileWithShard(uint32_t shard, uint64_t shard_applied) {
  absl::MutexLock write_lock(&write_mu_);
  ShardState current;
  {
    absl::MutexLock lock(&state_mu_);
    const ShardState& state = shards_.at(shard);
    if (!state.unverified_floor.has_value()) return absl::OkStatus();
    current.last_sequence = state.last_sequence;
    current.applied_sequence = state.applied_sequence;
    current.unverified_floor = state.unverified_floor;
  }
  const uint64_t floor = *current.unverified_floor;
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* outbox = store_->Family(kOutbox);
  rocksdb::ColumnFamilyHandle* meta = store_->Family(kMeta);
  LOUPE_RETURN_IF_ERROR(
      FromRocksDb(batch.Delete(meta, UnverifiedFloorKey(shard)), "delete sequence floor"));
  uint64_t shift = 0;
  size_t renumbered = 0;
  if (shard_applied > floor) {
    // The shard holds operations (floor, shard_applied] that this database
    // never sent. Entries at or below the floor are in the shard already.
    shift = shard_applied - floor;
    std::vector<loupe::v1::Operation> moved;
    {
      std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(rocksdb::ReadOptions(), outbox));
      const std::string prefix = BigEndian32(shard);
      for (it->Seek(OutboxKey(shard, floor + 1)); it->Valid() && it->key().starts_with(prefix);
           it->Next()) {
        loupe::v1::Operation& operation = moved.emplace_back();
        if (!operation.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
          return absl::DataLossError(absl::StrCat("outbox entry of shard ", shard,
                                                  " does not parse"));
        }
      }
      LOUPE_RETURN_IF_ERROR(FromRocksDb(it->status(), "scan outbox"));
    }
    // Everything of this shard goes; the renumbered entries come back after.
    LOUPE_RETURN_IF_ERROR(FromRocksDb(
        batch.DeleteRange(outbox, OutboxKey(shard, 0), OutboxKey(shard, ~uint64_t{0})),
        "clear outbox"));
    for (loupe::v1::Operation& operation : moved) {
      operation.set_sequence(operation.sequence() + shift);
      LOUPE_RETURN_IF_ERROR(FromRocksDb(batch.Put(outbox, OutboxKey(shard, operation.sequence()),
                                                  operation.SerializeAsString()),
                                        "put renumbered outbox entry"));
    }
    renumbered = moved.size();
    current.last_sequence += shift;
    current.applied_sequence = shard_applied;
    LOUPE_RETURN_IF_ERROR(FromRocksDb(
        batch.Put(meta, LastSequenceKey(shard), BigEndian64(current.last_sequence)), "put meta"));
    LOUPE_RETURN_IF_ERROR(FromRocksDb(
        batch.Put(meta, AppliedSequenceKey(shard), BigEndian64(current.applied_sequence)),
        "put meta"));
  }
  LOUPE_RETURN_IF_ERROR(FromRocksDb(store_->db()->Write(store_->durable_write(), &batch),
                                    "write sequence reconciliation"));
  if (shift > 0) {
    LogWarning(absl::StrCat(
        "index shard ", shard, " has applied up to sequence ", shard_applied,
        ", beyond this ingest's ", floor, " (a restore from a backup whose index checkpoints are "
        "newer than ingest's): ", renumbered, " unshipped operations renumbered from ", floor + 1,
        " to ", floor + 1 + shift, "; the shard keeps ", shift,
        " operations ingest does not hold"));
  }
  absl::MutexLock lock(&state_mu_);
  ShardState& state = shards_[shard];
  state.unverified_floor.reset();
  if (shift > 0) {
    state.last_sequence = current.last_sequence;
    state.applied_sequence = current.applied_sequence;
    state.commits.clear();
    if (state.last_sequence > state.applied_sequence) {
      state.commits.emplace_back(state.last_sequence, absl::Now());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ShardBacklog>> IngestEngine::Checkpoint(const std::string& dir) {
  absl::MutexLock write_lock(&write_mu_);
  LOUPE_RETURN_IF_ERROR(store_->Checkpoint(dir));
  std::vector<ShardBacklog> backlogs;
  for (uint32_t shard = 0; shard < options_.shard_count; ++shard) {
    backlogs.push_back(Backlog(shard));
  }
  return backlogs;
}

void IngestEngine::SetCommitListener(std::function<void(uint32_t shard)> listener) {
  commit_listener_ = std::move(listener);
}

}  // namespace loupe
