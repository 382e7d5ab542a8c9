// IndexEngine: one shard of the inverted index, in-process and free of gRPC.
// It owns the shard's RocksDB (see index_schema.h for the layout) and serves
// the IndexService operations on their request/response protos.
//
// Contract:
//  - Open refuses a data folder recorded with another shard id, shard count
//    or analyser version (FAILED_PRECONDITION).
//  - Apply is serialised; each call is one atomic, synced RocksDB write that
//    includes the new applied sequence, so it is idempotent across retries
//    and crashes. Readers (TermStats, Search, Fetch, Info) run concurrently
//    on RocksDB snapshots and never see half a batch.
//
//   IndexEngineOptions options{.shard_id = 0, .shard_count = 2};
//   absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
//       IndexEngine::Open("/data/index-0", options, RocksOptions{});
//   absl::StatusOr<v1::ApplyResponse> applied = (*engine)->Apply(request);
//   absl::StatusOr<v1::ShardSearchResponse> hits = (*engine)->Search(search_request);
#ifndef LOUPE_SERVICES_INDEX_INDEX_ENGINE_H_
#define LOUPE_SERVICES_INDEX_INDEX_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "loupe/storage/v1/index_storage.pb.h"
#include "loupe/v1/index.pb.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/rocksdb_store.h"
#include "services/index/bm25.h"
#include "services/index/external_id_cache.h"
#include "services/index/posting_store.h"
#include "services/index/term_read_cache.h"
#include "services/index/term_record_cache.h"

namespace loupe {

// Request limits (INVALID_ARGUMENT beyond them).
inline constexpr int kMaxApplyOperations = 10000;
inline constexpr int kMaxFetchIds = 10000;
inline constexpr int kMaxTermStatsTerms = 1024;
inline constexpr int kMaxTermStatsPrefixes = 64;
inline constexpr uint32_t kMaxPrefixExpansions = 10000;
inline constexpr int kMaxPlanClauses = 1024;
inline constexpr uint32_t kMaxSearchLimit = 10000;
inline constexpr uint32_t kDefaultSnippetChars = 200;
inline constexpr uint32_t kMaxSnippetChars = 10000;

struct IndexEngineOptions {
  uint32_t shard_id = 0;
  uint32_t shard_count = 1;
  // Scoring defaults, used where a request's ScoringParams field is zero.
  Bm25Params scoring;
  // Bytes of term records the writer keeps from one batch to the next
  // (term_record_cache.h); 0 reads every record from RocksDB.
  size_t term_record_cache_bytes = size_t{64} << 20;
  // Bytes of term records the searches share (term_read_cache.h); 0 reads
  // every record from RocksDB.
  size_t term_read_cache_bytes = size_t{64} << 20;
  // Bytes of posting lists' sealed blocks the searches share
  // (sealed_list.h); 0 walks every list in RocksDB.
  size_t posting_cache_bytes = size_t{256} << 20;
  // External ids of returned hits kept by docid (external_id_cache.h); 0
  // reads every id from RocksDB.
  size_t external_id_cache_entries = size_t{1} << 16;
};

class IndexEngine {
 public:
  static absl::StatusOr<std::unique_ptr<IndexEngine>> Open(const std::string& data_dir,
                                                           const IndexEngineOptions& options,
                                                           const RocksOptions& rocks_options);

  IndexEngine(const IndexEngine&) = delete;
  IndexEngine& operator=(const IndexEngine&) = delete;

  absl::StatusOr<v1::ApplyResponse> Apply(const v1::ApplyRequest& request)
      ABSL_LOCKS_EXCLUDED(apply_mutex_);
  // The answer carries the statistics_version of the snapshot it read.
  absl::StatusOr<v1::TermStatsResponse> TermStats(const v1::TermStatsRequest& request) const;
  // With an expected_statistics_version that is not the snapshot's, searches
  // nothing and answers stale_statistics.
  absl::StatusOr<v1::ShardSearchResponse> Search(const v1::ShardSearchRequest& request) const;
  // Score breakdown of one document (ShardSearcher::Explain).
  absl::StatusOr<v1::ShardExplainResponse> Explain(const v1::ShardExplainRequest& request) const;
  absl::StatusOr<v1::FetchResponse> Fetch(const v1::FetchRequest& request) const;
  absl::StatusOr<v1::InfoResponse> Info() const;

  uint32_t shard_id() const { return options_.shard_id; }
  uint32_t shard_count() const { return options_.shard_count; }
  const std::string& analyzer_version() const { return analyzer_version_; }
  // Bytes of one column family's SST files (index_schema.h names them).
  uint64_t FamilyBytes(absl::string_view family) const { return store_->FamilySstBytes(family); }
  // Memory the searches' read cache holds now: term records, and posting
  // lists' sealed blocks (term_read_cache.h).
  size_t TermReadCacheBytes() const { return term_read_cache_.bytes(); }
  size_t PostingCacheBytes() const { return term_read_cache_.list_bytes(); }

  // Writes a consistent checkpoint of the shard's RocksDB into `dir` (see
  // RocksStore::Checkpoint) while no Apply runs, and returns the applied
  // sequence the checkpoint holds (for AdminService.Checkpoint).
  absl::StatusOr<uint64_t> Checkpoint(const std::string& dir) ABSL_LOCKS_EXCLUDED(apply_mutex_) {
    absl::MutexLock lock(&apply_mutex_);
    absl::Status written = store_->Checkpoint(dir);
    if (!written.ok()) return written;
    return state_.applied_sequence();
  }

 private:
  IndexEngine(std::unique_ptr<RocksStore> store, const IndexEngineOptions& options,
              std::unique_ptr<Analyzer> analyzer, storage::v1::IndexState state);

  // Request checks done before any write: identity, ids, sequences, UTF-8.
  absl::Status ValidateApply(const v1::ApplyRequest& request) const;
  // The shard's counters as of `snapshot` (nullptr = latest).
  absl::StatusOr<storage::v1::IndexState> ReadState(const rocksdb::Snapshot* snapshot) const;

  // TermStatsResponse.statistics_version of `state`.
  std::string StatisticsVersion(const storage::v1::IndexState& state) const;

  std::unique_ptr<RocksStore> store_;
  IndexEngineOptions options_;
  // Random per open: a restart (or a restore) never repeats a version.
  std::string instance_id_;
  std::unique_ptr<Analyzer> analyzer_;
  std::string analyzer_version_;
  // Before postings_, which reads through it.
  TermReadCache term_read_cache_;
  PostingStore postings_;
  // Searches share it (it locks inside), hence mutable.
  mutable ExternalIdCache external_ids_;

  absl::Mutex apply_mutex_;
  // In-memory copy of "index/state", changed only after a successful write.
  storage::v1::IndexState state_ ABSL_GUARDED_BY(apply_mutex_);
  TermRecordCache term_records_ ABSL_GUARDED_BY(apply_mutex_);
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_INDEX_ENGINE_H_
