// IngestEngine: the state of loupe-ingest in one RocksDB, free of gRPC so
// that it can be tested and benchmarked in-process.
//
// Column families:
//   documents  id -> loupe.storage.v1.IngestDocumentRecord (live record or tombstone)
//   outbox     shard(BE32) sequence(BE64) -> loupe.v1.Operation to ship
//   meta       cluster/shard_count, per-shard last/applied sequence, live count
//   dedup      duplicate index (see duplicate_detector.h)
//
// Contract:
//   - Ingest validates the whole batch first (INVALID_ARGUMENT with a
//     google.rpc.BadRequest naming every bad field; nothing written), then
//     commits every changed document, its outbox entry, the per-shard
//     sequences, the live-document count and the dedup entries in ONE synced
//     RocksDB write before returning: an acknowledged document is never lost,
//     and a failed batch leaves no trace.
//   - Documents of a batch are processed in request order; when one id occurs
//     twice in a batch both are applied in turn, so the last one wins (its
//     result shows the higher version).
//   - Versions never go back: a delete keeps a tombstone with the last
//     version, and a later ingest of that id continues from it.
//   - When a target shard's backlog (last_sequence - applied_sequence) has
//     reached max_backlog, Ingest and Delete fail with RESOURCE_EXHAUSTED
//     (google.rpc.ErrorInfo reason BACKLOG_FULL, metadata "shard") and write
//     nothing.
//   - The shipper reads the outbox with ReadOutbox and trims it with
//     MarkApplied; SetCommitListener wakes it when entries are committed.
// Thread-safe: writers are serialised by one mutex (sequence assignment and
// the write happen under it); normalisation, language detection and hashing
// run before it, in the caller's thread.
//
//   auto engine = IngestEngine::Open("/data/ingest", {.shard_count = 2}, RocksOptions());
//   absl::StatusOr<loupe::v1::IngestResponse> response = (*engine)->Ingest(request.documents());
#ifndef LOUPE_SERVICES_INGEST_INGEST_ENGINE_H_
#define LOUPE_SERVICES_INGEST_INGEST_ENGINE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "loupe/v1/index.pb.h"
#include "loupe/v1/ingest.pb.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/rocksdb_store.h"
#include "services/ingest/document_validator.h"
#include "services/ingest/duplicate_detector.h"

namespace loupe {

struct IngestEngineOptions {
  // Number of index shards (> 0); recorded in "meta" at the first start.
  uint32_t shard_count = 1;
  // Per-shard limit of unshipped operations (--max_backlog).
  uint64_t max_backlog = 200000;
  DocumentLimits limits;
};

// Shipping counters of one shard (the engine's side; the shipper adds the
// address and the last error).
struct ShardBacklog {
  uint64_t last_sequence = 0;
  uint64_t applied_sequence = 0;
  // Milliseconds since the oldest unshipped operation was committed (0 when
  // none). After a restart, operations left from before count from the open.
  int64_t oldest_unshipped_age_ms = 0;
};

class IngestEngine {
 public:
  static absl::StatusOr<std::unique_ptr<IngestEngine>> Open(const std::string& path,
                                                            const IngestEngineOptions& options,
                                                            const RocksOptions& rocks_options);
  ~IngestEngine();

  // Adds or updates documents (see the contract above).
  absl::StatusOr<loupe::v1::IngestResponse> Ingest(
      const google::protobuf::RepeatedPtrField<loupe::v1::Document>& documents);

  // Deletes ids: a tombstone and an outbox delete per live id, in one synced
  // write. Unknown or already deleted ids get found = false.
  absl::StatusOr<loupe::v1::DeleteResponse> Delete(
      const google::protobuf::RepeatedPtrField<std::string>& ids);

  // The stored document; NOT_FOUND when unknown or deleted.
  absl::StatusOr<loupe::v1::GetResponse> Get(absl::string_view id) const;

  uint32_t shard_count() const { return options_.shard_count; }
  uint64_t max_backlog() const { return options_.max_backlog; }
  // Live documents.
  uint64_t document_count() const;
  ShardBacklog Backlog(uint32_t shard) const;

  // Up to `max_operations` outbox operations of `shard` with sequence >
  // `after_sequence`, in sequence order, stopping once `max_bytes` of
  // serialised operations are reached (always at least one).
  absl::StatusOr<std::vector<loupe::v1::Operation>> ReadOutbox(uint32_t shard,
                                                               uint64_t after_sequence,
                                                               size_t max_operations,
                                                               size_t max_bytes) const;

  // Records that `shard` durably applied every operation up to
  // `applied_sequence` and trims those outbox entries, in one write. A value
  // at or below the recorded one is ignored; one above last_sequence is
  // clamped to it.
  absl::Status MarkApplied(uint32_t shard, uint64_t applied_sequence);

  // Called (outside engine locks) with the shard of every committed outbox
  // entry batch. Set once, before writes start.
  void SetCommitListener(std::function<void(uint32_t shard)> listener);

  // Reconciles this ingest's sequence numbers of `shard` with the applied
  // sequence the shard reports at the first contact after Open (the shipper
  // calls it before its first Apply). At Open the engine records, per shard,
  // a sequence floor: the last sequence at the first Open since the shard was
  // last reconciled. A shard can only be above it when it holds operations
  // that this database never sent — after a restore, the index checkpoints
  // are taken after ingest's, so they may hold later operations. Reusing
  // those sequence numbers would make the shard skip new writes as already
  // applied, so when `shard_applied` > floor the unshipped outbox entries
  // above the floor are renumbered to start after `shard_applied`, the last
  // sequence advances by the same amount and applied becomes
  // `shard_applied` (one synced write, under the writers' lock). The floor is
  // then cleared; later calls are no-ops until the next Open.
  absl::Status ReconcileWithShard(uint32_t shard, uint64_t shard_applied);
  // True until ReconcileWithShard ran for `shard` since Open.
  bool NeedsReconcile(uint32_t shard) const;

  // Writes a consistent checkpoint of the database into `dir` (see
  // RocksStore::Checkpoint) while no Ingest or Delete commits, and returns
  // each shard's counters read right after: last_sequence is exactly the
  // checkpoint's, applied_sequence at least the checkpoint's.
  absl::StatusOr<std::vector<ShardBacklog>> Checkpoint(const std::string& dir);

 private:
  struct ShardState {
    uint64_t last_sequence = 0;
    uint64_t applied_sequence = 0;
    // (highest sequence of a commit, commit time), oldest first; entries at or
    // below applied_sequence are dropped.
    std::deque<std::pair<uint64_t, absl::Time>> commits;
    // Sequence floor not yet reconciled with the shard (ReconcileWithShard).
    std::optional<uint64_t> unverified_floor;
  };
  struct PreparedDocument;

  IngestEngine(std::unique_ptr<RocksStore> store, const IngestEngineOptions& options);
  absl::Status LoadState();
  absl::StatusOr<std::vector<PreparedDocument>> Prepare(
      const google::protobuf::RepeatedPtrField<loupe::v1::Document>& documents) const;
  // RESOURCE_EXHAUSTED when one of `shards` has a full backlog.
  absl::Status CheckBacklog(const std::vector<uint32_t>& shards) const;
  // With write_mu_ held, before a write to `target_shards` (duplicates
  // allowed): RESOURCE_EXHAUSTED if one of them has a full backlog, else
  // every shard's last sequence, to number the write's outbox entries.
  absl::StatusOr<std::vector<uint64_t>> ReserveShards(std::vector<uint32_t> target_shards) const;
  // Publishes a committed write: new last sequences, live count, listener.
  void Publish(const std::vector<uint64_t>& new_last_sequences, int64_t live_delta);

  std::unique_ptr<RocksStore> store_;
  const IngestEngineOptions options_;
  std::unique_ptr<Analyzer> analyzer_;
  DuplicateIndex duplicates_;
  std::function<void(uint32_t)> commit_listener_;

  // Serialises read-modify-write of documents, sequence assignment, commit.
  absl::Mutex write_mu_;
  mutable absl::Mutex state_mu_;
  std::vector<ShardState> shards_ ABSL_GUARDED_BY(state_mu_);
  uint64_t live_documents_ ABSL_GUARDED_BY(state_mu_) = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_INGEST_ENGINE_H_
