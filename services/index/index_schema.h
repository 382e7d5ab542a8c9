// The on-disk layout of a loupe-index shard: column family names, meta keys
// and key builders, shared by the writer and the readers so that both agree
// byte for byte.
//
// Families (all keys big-endian where numeric, see key_codec.h):
//   meta      "cluster/shard_count", "cluster/shard_id", "index/analyzer_version",
//             "index/state" -> IndexState proto
//   docs      external id -> DocumentRef proto {docid, version}
//   stored    BE32 docid -> StoredDocument proto
//   ids       BE32 docid -> external id (cheap id lookup for top-k tie-breaks)
//   postings  field byte + term + '\0' + BE32 docid -> block of postings (posting_store.h)
//   terms     field byte + term -> term record: df, impacts, tail block
//   dates     sortable BE64 published_at seconds + BE32 docid -> "" (date filters)
//   doc_dates BE32 docid -> sortable BE64 published_at seconds (date sort);
//             a document without published_at has no entry in either
// Keyword fields (source, lang, tags) are postings too (keyword_terms.h).
//
//   std::string key = StoredKey(42);
//   store->Get(kStoredFamily, key);
#ifndef LOUPE_SERVICES_INDEX_INDEX_SCHEMA_H_
#define LOUPE_SERVICES_INDEX_INDEX_SCHEMA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "loupe/v1/index.pb.h"
#include "services/common/key_codec.h"
#include "services/common/rocksdb_store.h"

namespace loupe {

inline constexpr absl::string_view kMetaFamily = "meta";
inline constexpr absl::string_view kDocsFamily = "docs";
inline constexpr absl::string_view kStoredFamily = "stored";
inline constexpr absl::string_view kIdsFamily = "ids";
inline constexpr absl::string_view kPostingsFamily = "postings";
inline constexpr absl::string_view kTermsFamily = "terms";
inline constexpr absl::string_view kDatesFamily = "dates";
inline constexpr absl::string_view kDocDatesFamily = "doc_dates";

inline std::vector<std::string> AllFamilies() {
  return {std::string(kMetaFamily),    std::string(kDocsFamily),
          std::string(kStoredFamily),  std::string(kIdsFamily),
          std::string(kPostingsFamily), std::string(kTermsFamily),
          std::string(kDatesFamily),   std::string(kDocDatesFamily)};
}

inline constexpr absl::string_view kShardIdKey = "cluster/shard_id";
inline constexpr absl::string_view kAnalyzerVersionKey = "index/analyzer_version";
inline constexpr absl::string_view kStateKey = "index/state";

// Version of the on-disk layout, recorded with the analyser version: a shard
// built with another layout refuses to start. 2: keyword postings and dates;
// 3: posting lists in compressed blocks with impacts (posting_store.h).
inline constexpr absl::string_view kIndexFormat = "format-3";

// The analysed fields, in the order their scores are summed.
inline constexpr loupe::v1::Field kTextFields[] = {loupe::v1::FIELD_TITLE,
                                                   loupe::v1::FIELD_BODY};

inline std::string StoredKey(uint32_t docid) { return BigEndian32(docid); }

// Options of the families that differ from RocksStore's defaults. A batch
// writes the term records and the sealed blocks in key order (BatchWriter),
// one field after the other: a hint per field byte; and its external ids in
// key order (ReadableWriteBatch): one hint.
inline FamilyTuning IndexFamilyTuning() {
  return {{std::string(kTermsFamily), InsertHintByPrefix(1)},
          {std::string(kPostingsFamily), InsertHintByPrefix(1)},
          {std::string(kDocsFamily), InsertHintByPrefix(0)}};
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_INDEX_SCHEMA_H_
