// The inverted index of one shard: postings and document frequencies.
//
// A posting is one (field, term, docid) key in the `postings` family whose
// value is: varint tf, varint field length (the document's token count in
// that field, so scoring needs no other lookup), then tf delta-encoded
// positions (varints). The `terms` family maps field byte + term to the
// term's document frequency (varint); a term with no live posting has no key.
//
// Everything that knows this encoding lives here, so that a block format with
// skip data can replace it without touching the writer or the searcher.
//
//   PostingStore postings(db, store->Family("postings"), store->Family("terms"));
//   postings.AddPosting(&batch, FIELD_BODY, "reveil", 7, /*field_length=*/120, {3, 40});
//   postings.ForEach(snapshot, FIELD_BODY, "reveil", /*with_positions=*/false,
//                    [&](const Posting& p) { ... });
#ifndef LOUPE_SERVICES_INDEX_POSTING_STORE_H_
#define LOUPE_SERVICES_INDEX_POSTING_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch_base.h"

namespace loupe {

struct Posting {
  uint32_t docid = 0;
  uint32_t term_frequency = 0;
  uint32_t field_length = 0;
  // Filled only when positions are asked for.
  std::vector<uint32_t> positions;
};

class PostingStore {
 public:
  // `postings` and `terms` are the families of the same `db`; not owned.
  PostingStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* postings,
               rocksdb::ColumnFamilyHandle* terms)
      : db_(db), postings_(postings), terms_(terms) {}

  // Key of a term in the `terms` family (also the prefix of its postings,
  // minus the '\0' separator). `field` must be TITLE or BODY.
  static std::string TermKey(loupe::v1::Field field, absl::string_view term);

  // Adds the posting of `docid` for (field, term); `positions` ascending.
  void AddPosting(rocksdb::WriteBatchBase* batch, loupe::v1::Field field,
                  absl::string_view term, uint32_t docid, uint32_t field_length,
                  const std::vector<uint32_t>& positions) const;
  void RemovePosting(rocksdb::WriteBatchBase* batch, loupe::v1::Field field,
                     absl::string_view term, uint32_t docid) const;

  // Sets the document frequency of a term key (TermKey); 0 deletes it.
  void PutDocumentFrequency(rocksdb::WriteBatchBase* batch, absl::string_view term_key,
                            uint64_t document_frequency) const;

  // Document frequency of a term key as of `snapshot` (nullptr = latest).
  absl::StatusOr<uint64_t> DocumentFrequency(const rocksdb::Snapshot* snapshot,
                                             absl::string_view term_key) const;

  // Calls `visit` for every posting of (field, term), by ascending docid, as
  // of `snapshot` (nullptr = latest). Corrupt values are DATA_LOSS.
  absl::Status ForEach(const rocksdb::Snapshot* snapshot, loupe::v1::Field field,
                       absl::string_view term, bool with_positions,
                       const std::function<void(const Posting&)>& visit) const;

  // The terms of `field` that start with `prefix`, ascending, with their
  // document frequencies, as of `snapshot`: at most `max_terms`, with
  // `truncated` set when more exist.
  absl::Status ExpandPrefix(const rocksdb::Snapshot* snapshot, loupe::v1::Field field,
                            absl::string_view prefix, uint32_t max_terms,
                            loupe::v1::PrefixExpansion* expansion) const;

  // Encoding of one posting value; exposed for tests.
  static std::string EncodeValue(uint32_t field_length, const std::vector<uint32_t>& positions);
  static bool DecodeValue(absl::string_view value, bool with_positions, Posting* posting);

 private:
  static std::string PostingKey(loupe::v1::Field field, absl::string_view term, uint32_t docid);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* postings_;
  rocksdb::ColumnFamilyHandle* terms_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_POSTING_STORE_H_
