// The inverted index of one shard: posting lists in compressed blocks, and
// the term records that hold each list's document frequency.
//
// Layout (see posting_block.h for a block's encoding):
//   terms     field byte + term -> term record:
//               varint document frequency,
//               varint n, n x (varint tf, varint field length): the list's
//                 impact frontier (an upper bound of every posting's BM25),
//               the open tail block (its newest postings, < 128), or nothing
//   postings  field byte + term + '\0' + BE32 docid -> one sealed block of
//             kPostingBlockSize postings; the key's docid is at most the
//             block's first docid (a removal may drop the first posting)
//             and above the previous block's last one.
// Docids only grow (an update is a new docid), so new postings always go to
// the tail; a full tail is sealed into a block. A term with no posting left
// has no record and no block. A list's frontier only widens (removals leave
// it), so it stays an upper bound.
//
// Writers collect a batch's changes per term and apply them once per term:
//   PostingChanges changes;
//   changes.Add(PostingEntry{7, /*field_length=*/120, {3, 40}});
//   LOUPE_RETURN_IF_ERROR(postings.Apply(&batch, TermKey(FIELD_BODY, "reveil"), changes));
// Readers walk a list by blocks (posting_cursor.h) or posting by posting:
//   postings.ForEach(snapshot, FIELD_BODY, "reveil", /*with_positions=*/false,
//                    [&](const Posting& p) { ... });
#ifndef LOUPE_SERVICES_INDEX_POSTING_STORE_H_
#define LOUPE_SERVICES_INDEX_POSTING_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch_base.h"
#include "services/index/posting_block.h"
#include "services/index/sealed_list.h"
#include "services/index/term_read_cache.h"
#include "services/index/term_record_cache.h"

namespace loupe {

struct Posting {
  uint32_t docid = 0;
  uint32_t term_frequency = 0;
  uint32_t field_length = 0;
  // Filled only when positions are asked for.
  std::vector<uint32_t> positions;
};

// The changes of one write batch to one posting list.
class PostingChanges {
 public:
  // `posting.docid` must be above every docid added before.
  void Add(PostingEntry posting) { adds_.push_back(std::move(posting)); }
  // Removes a posting added in this batch, or else one already stored.
  void Remove(uint32_t docid);

  const std::vector<PostingEntry>& adds() const { return adds_; }
  const absl::btree_set<uint32_t>& removes() const { return removes_; }

 private:
  std::vector<PostingEntry> adds_;
  absl::btree_set<uint32_t> removes_;
};

// A decoded term record.
struct TermRecord {
  uint64_t document_frequency = 0;
  std::vector<Impact> impacts;
  // Encoded tail block; empty when the list has none.
  std::string tail;
};

// A term record shared by searches (TermReadCache::Record); nullptr when the
// term has none.
using SharedTermRecord = TermReadCache::Record;

class PostingStore {
 public:
  // `postings` and `terms` are the families of the same `db`; not owned.
  // With `read_cache` (not owned), the term records read at a snapshot
  // (DocumentFrequencies, ReadSharedTerms) go through it; its
  // owner tells it of every write to the terms family (term_read_cache.h).
  PostingStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* postings,
               rocksdb::ColumnFamilyHandle* terms, TermReadCache* read_cache = nullptr)
      : db_(db), postings_(postings), terms_(terms), read_cache_(read_cache) {}

  // Key of a term in the `terms` family (also the prefix of its blocks,
  // minus the '\0' separator). `field` must be TITLE or BODY.
  static std::string TermKey(loupe::v1::Field field, absl::string_view term);

  // Writes `changes` to the list of `term_key` into `batch`, reading the
  // list's current state from the database (latest): the caller applies one
  // PostingChanges per term per batch and serialises batches. DATA_LOSS when
  // a removed docid is not in the list or an added one is not above it.
  // With `cache`, the term's record is read from it when it holds the term,
  // and the record written goes into `*written` (term_record_cache.h).
  absl::Status Apply(rocksdb::WriteBatchBase* batch, absl::string_view term_key,
                     const PostingChanges& changes, const TermRecordCache* cache = nullptr,
                     TermRecordCache::Written* written = nullptr) const;

  // The record of a term key as of `snapshot` (nullptr = latest); a
  // default (df 0) record when the term has none.
  absl::StatusOr<TermRecord> ReadTerm(const rocksdb::Snapshot* snapshot,
                                      absl::string_view term_key) const;
  // The document frequencies of `term_keys`, in their order, read in one
  // RocksDB MultiGet (a long query has dozens of keys: one lookup of the
  // memtables and files for all of them instead of one each).
  absl::StatusOr<std::vector<uint64_t>> DocumentFrequencies(
      const rocksdb::Snapshot* snapshot, const std::vector<std::string>& term_keys) const;
  // The records of `term_keys`, in their order, read in one MultiGet, as
  // the read cache shares them (decoded once, not copied); nullptr for a
  // key without one.
  absl::StatusOr<std::vector<SharedTermRecord>> ReadSharedTerms(
      const rocksdb::Snapshot* snapshot, const std::vector<std::string>& term_keys) const;

  // The sealed blocks of `term_key` as of `snapshot`, copied in one scan and
  // shared through the read cache; nullptr when the caller should walk them
  // in RocksDB instead: no snapshot, a read cache that keeps no lists, or a
  // list too long to keep, of more than kMaxSharedListPostings postings or
  // over the cache's bound per list at kMinPostingBytes a posting (it would
  // be copied again by every search; a walk may stop early).
  // `document_frequency` is the term's, from its record at the same
  // snapshot.
  absl::StatusOr<SharedSealedList> SharedSealedBlocks(const rocksdb::Snapshot* snapshot,
                                                      absl::string_view term_key,
                                                      uint64_t document_frequency) const;
  static constexpr uint64_t kMaxSharedListPostings = uint64_t{1} << 20;
  // Fewest bytes a sealed posting takes: docid gap, tf, field length and
  // one position, a byte each at least.
  static constexpr uint64_t kMinPostingBytes = 4;

  // Calls `visit` for every posting of (field, term), by ascending docid, as
  // of `snapshot` (nullptr = latest). Corrupt data is DATA_LOSS.
  absl::Status ForEach(const rocksdb::Snapshot* snapshot, loupe::v1::Field field,
                       absl::string_view term, bool with_positions,
                       const std::function<void(const Posting&)>& visit) const;

  // The terms of `field` that start with `prefix`, ascending, with their
  // document frequencies, as of `snapshot`: at most `max_terms`, with
  // `truncated` set when more exist.
  absl::Status ExpandPrefix(const rocksdb::Snapshot* snapshot, loupe::v1::Field field,
                            absl::string_view prefix, uint32_t max_terms,
                            loupe::v1::PrefixExpansion* expansion) const;

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* postings_family() const { return postings_; }

  // Term record codec; exposed for tests and the cursor.
  static std::string EncodeTermRecord(const TermRecord& record);
  static absl::StatusOr<TermRecord> DecodeTermRecord(absl::string_view value);
  // Key of the sealed block whose key docid is `docid`.
  static std::string BlockKey(absl::string_view term_key, uint32_t docid);

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* postings_;
  rocksdb::ColumnFamilyHandle* terms_;
  TermReadCache* read_cache_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_POSTING_STORE_H_
