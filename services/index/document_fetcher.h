// DocumentFetcher: what Fetch returns for a document (stored fields, the
// highlighted title and the best snippet of the body), read at one RocksDB
// snapshot. IndexEngine::Fetch uses it for the ids it is given, and
// IndexEngine::Search for its best hits when the request asks for them
// (ShardSearchRequest.fetch_top), so that a page needs one round trip.
//
//   DocumentFetcher fetcher(store, analyzer, snapshot, request.plan(), /*snippet_chars=*/0);
//   LOUPE_RETURN_IF_ERROR(fetcher.Fetch(request.ids(), response.mutable_documents()));
#ifndef LOUPE_SERVICES_INDEX_DOCUMENT_FETCHER_H_
#define LOUPE_SERVICES_INDEX_DOCUMENT_FETCHER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/rocksdb_store.h"
#include "services/index/snippet.h"

namespace loupe {

class DocumentFetcher {
 public:
  // Not owned; all must outlive the fetcher. The terms of `plan` are
  // highlighted; `snippet_chars` 0 means kDefaultSnippetChars.
  DocumentFetcher(const RocksStore* store, const Analyzer* analyzer,
                  const rocksdb::Snapshot* snapshot, const v1::QueryPlan& plan,
                  uint32_t snippet_chars);

  // Appends the documents of `ids` to `out`, in order, each id once;
  // unknown ids are left out. Corrupt records are DATA_LOSS.
  absl::Status Fetch(const google::protobuf::RepeatedPtrField<std::string>& ids,
                     google::protobuf::RepeatedPtrField<v1::FetchedDocument>* out) const;

 private:
  const RocksStore* store_;
  const Analyzer* analyzer_;
  const rocksdb::Snapshot* snapshot_;
  SnippetTerms body_terms_;
  SnippetTerms title_terms_;
  uint32_t snippet_chars_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_DOCUMENT_FETCHER_H_
