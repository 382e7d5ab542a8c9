// What loupe-index stores about a document, besides its text postings, so
// that searches can filter and sort on it: keyword postings (source, lang,
// tags; see services/common/keyword_terms.h) and its published_at in the
// `dates` (date -> docids, for range filters) and `doc_dates` (docid ->
// date, for sorting) families. The batch writer adds and removes them; the
// searcher reads them.
//
//   for (const auto& [field, term] : KeywordPostings(doc.source(), doc.lang(), doc.tags())) ...
//   AddDocumentDate(&batch, *store, docid, doc.published_at().seconds());
//   DateReader dates(store, snapshot);
//   absl::StatusOr<int64_t> when = dates.Seconds(docid);   // kNoDate when absent
#ifndef LOUPE_SERVICES_INDEX_DOCUMENT_METADATA_H_
#define LOUPE_SERVICES_INDEX_DOCUMENT_METADATA_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch_base.h"
#include "services/common/rocksdb_store.h"

namespace loupe {

// The date of a document without published_at (sorts before every date).
inline constexpr int64_t kNoDate = std::numeric_limits<int64_t>::min();

// Keyword postings of a document: (FIELD_SOURCE, source), (FIELD_LANG, lang),
// and two FIELD_TAG terms per tag. Empty values give no term. Ordered and
// without duplicates.
std::vector<std::pair<v1::Field, std::string>> KeywordPostings(
    absl::string_view source, absl::string_view lang,
    const google::protobuf::Map<std::string, std::string>& tags);

// Adds / removes the date entries of `docid` (both families).
void AddDocumentDate(rocksdb::WriteBatchBase* batch, const RocksStore& store, uint32_t docid,
                     int64_t seconds);
void RemoveDocumentDate(rocksdb::WriteBatchBase* batch, const RocksStore& store, uint32_t docid,
                        int64_t seconds);

// Reads dates as of one snapshot. Not thread-safe (one per search).
class DateReader {
 public:
  DateReader(const RocksStore* store, const rocksdb::Snapshot* snapshot)
      : store_(store), snapshot_(snapshot) {}

  // published_at seconds of `docid`, or kNoDate.
  absl::StatusOr<int64_t> Seconds(uint32_t docid) const;

  // Calls `visit(docid)` for every document with min <= published_at <= max.
  absl::Status ForEachInRange(int64_t min_seconds, int64_t max_seconds,
                              const std::function<void(uint32_t)>& visit) const;

  // Calls `visit(docid, seconds)` for every document with a published_at,
  // in no useful order (one scan of `doc_dates`).
  absl::Status ForEachDated(const std::function<void(uint32_t, int64_t)>& visit) const;

 private:
  const RocksStore* store_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_DOCUMENT_METADATA_H_
