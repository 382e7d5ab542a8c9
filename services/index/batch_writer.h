// BatchWriter: turns the operations of one Apply request into ONE RocksDB
// write batch (documents, stored fields, postings, document frequencies and
// the shard's counters) and writes it durably at Commit.
//
// Reads of documents and stored fields go through the batch
// (ReadableWriteBatch), so an id upserted twice in one request, or upserted
// then deleted, sees its own earlier writes.
// Posting changes are collected per term in memory and written once per
// term at Commit (PostingStore::Apply). The caller serialises BatchWriters (one at a time per shard).
//
//   BatchWriter writer(store, &postings, *analyzer, state);
//   LOUPE_RETURN_IF_ERROR(writer.Upsert(op.upsert()));
//   LOUPE_RETURN_IF_ERROR(writer.Delete("old-id"));
//   LOUPE_RETURN_IF_ERROR(writer.Commit(/*applied_sequence=*/42));
//   state = writer.state();
#ifndef LOUPE_SERVICES_INDEX_BATCH_WRITER_H_
#define LOUPE_SERVICES_INDEX_BATCH_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/storage/v1/index_storage.pb.h"
#include "loupe/v1/index.pb.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/readable_write_batch.h"
#include "services/common/rocksdb_store.h"
#include "services/index/posting_store.h"
#include "services/index/term_read_cache.h"

namespace loupe {

class BatchWriter {
 public:
  // `state` is the shard's counters before the batch; the writer updates its
  // own copy. Pointers are not owned and must outlive the writer. Term
  // records are read through `term_records` (may be null), which takes the
  // batch's records once the batch is committed. `read_cache` (may be
  // null), the searches' cache of term records, is told of the write
  // (TermReadCache::BeginWrite / EndWrite).
  BatchWriter(RocksStore* store, const PostingStore* postings, const Analyzer& analyzer,
              const storage::v1::IndexState& state, TermRecordCache* term_records = nullptr,
              TermReadCache* read_cache = nullptr);

  // Adds the document, replacing the live copy of its id; an upsert whose
  // version is lower than the live copy's is ignored.
  absl::Status Upsert(const v1::IndexedDocument& document);
  // Removes the document with this id; no-op when absent.
  absl::Status Delete(absl::string_view id);
  // Writes everything plus the new applied sequence in one synced write.
  // A failed write empties the term record cache (its outcome is unknown).
  absl::Status Commit(uint64_t applied_sequence);

  // The counters after the operations added so far.
  const storage::v1::IndexState& state() const { return state_; }

 private:
  absl::StatusOr<std::optional<std::string>> Read(absl::string_view family,
                                                  absl::string_view key);
  absl::StatusOr<std::optional<storage::v1::DocumentRef>> ReadRef(absl::string_view id);
  // Removes the postings, stored fields and id of a live docid.
  absl::Status RemoveDocid(uint32_t docid);

  using ChangesEntry = std::pair<const std::string, PostingChanges>;
  // The batch's term changes sorted by term key. A write batch's entries go
  // into RocksDB's memtable skip lists in the batch's order, and the terms
  // and postings families keep an insert hint per field (IndexFamilyTuning)
  // that starts each insert from the previous one: the lists' records and
  // blocks are written in key order rather than the hash map's.
  std::vector<const ChangesEntry*> ChangesInKeyOrder() const;

  RocksStore* store_;
  const PostingStore* postings_;
  TermRecordCache* term_records_;
  TermReadCache* read_cache_;
  const Analyzer& analyzer_;
  storage::v1::IndexState state_;
  ReadableWriteBatch batch_;
  // Term key -> its posting changes in this batch.
  absl::flat_hash_map<std::string, PostingChanges> changes_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_BATCH_WRITER_H_
