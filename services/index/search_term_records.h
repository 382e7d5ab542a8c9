// SearchTermRecords: the term records of one search, read up front in one
// RocksDB MultiGet, so that a shard scoring with its own statistics reads
// each term once, for its document frequency and for its cursor, instead of
// once in TermStats and again when the cursor opens (as Lucene's TermStates
// keep the term lookup made for statistics to open the postings).
//
//   absl::StatusOr<SearchTermRecords> records =
//       SearchTermRecords::Read(postings, snapshot, {PostingStore::TermKey(FIELD_BODY, "storm")});
//   const TermRecord* storm = records->Find(PostingStore::TermKey(FIELD_BODY, "storm"));
//   // storm->document_frequency; PostingCursor::Open(postings, snapshot, key, &*records)
#ifndef LOUPE_SERVICES_INDEX_SEARCH_TERM_RECORDS_H_
#define LOUPE_SERVICES_INDEX_SEARCH_TERM_RECORDS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "services/index/posting_store.h"

namespace loupe {

class SearchTermRecords {
 public:
  SearchTermRecords() = default;

  // The records of `term_keys` (duplicates allowed) as of `snapshot`; a key
  // without a record gets a df 0 one. The records are shared with the
  // shard's read cache, not copied.
  static absl::StatusOr<SearchTermRecords> Read(const PostingStore& postings,
                                                const rocksdb::Snapshot* snapshot,
                                                std::vector<std::string> term_keys) {
    absl::StatusOr<std::vector<SharedTermRecord>> read =
        postings.ReadSharedTerms(snapshot, term_keys);
    if (!read.ok()) return read.status();
    static const SharedTermRecord* const kAbsent = new SharedTermRecord(new TermRecord());
    SearchTermRecords records;
    for (size_t i = 0; i < term_keys.size(); ++i) {
      SharedTermRecord& record = (*read)[i];
      records.by_key_.emplace(std::move(term_keys[i]),
                              record != nullptr ? std::move(record) : *kAbsent);
    }
    return records;
  }

  // The record read for `term_key`; nullptr when it was not asked for.
  const TermRecord* Find(absl::string_view term_key) const {
    auto it = by_key_.find(term_key);
    return it == by_key_.end() ? nullptr : it->second.get();
  }

  // Every key read, with its record (never nullptr).
  const absl::flat_hash_map<std::string, SharedTermRecord>& by_key() const { return by_key_; }

 private:
  absl::flat_hash_map<std::string, SharedTermRecord> by_key_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SEARCH_TERM_RECORDS_H_
