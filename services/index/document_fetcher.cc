#include "services/index/document_fetcher.h"

#include "absl/container/flat_hash_set.h"
#include "loupe/storage/v1/index_storage.pb.h"
#include "services/common/status_util.h"
#include "services/index/index_engine.h"
#include "services/index/index_schema.h"

namespace loupe {

DocumentFetcher::DocumentFetcher(const RocksStore* store, const Analyzer* analyzer,
                                 const rocksdb::Snapshot* snapshot, const v1::QueryPlan& plan,
                                 uint32_t snippet_chars)
    : store_(store),
      analyzer_(analyzer),
      snapshot_(snapshot),
      body_terms_(SnippetTermsFromPlan(plan)),
      title_terms_(SnippetTermsFromPlan(plan, v1::FIELD_TITLE)),
      snippet_chars_(snippet_chars == 0 ? kDefaultSnippetChars : snippet_chars) {}

absl::Status DocumentFetcher::Fetch(
    const google::protobuf::RepeatedPtrField<std::string>& ids,
    google::protobuf::RepeatedPtrField<v1::FetchedDocument>* out) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  absl::flat_hash_set<absl::string_view> seen;
  std::string raw_ref;
  std::string raw;
  for (const std::string& id : ids) {
    if (!seen.insert(id).second) continue;
    rocksdb::Status status =
        store_->db()->Get(read, store_->Family(kDocsFamily), rocksdb::Slice(id), &raw_ref);
    if (status.IsNotFound()) continue;
    if (!status.ok()) return FromRocksDb(status, "rocksdb get docs");
    storage::v1::DocumentRef ref;
    if (!ref.ParseFromString(raw_ref)) return absl::DataLossError("corrupt docs record");
    status = store_->db()->Get(read, store_->Family(kStoredFamily), StoredKey(ref.docid()), &raw);
    if (!status.ok()) return FromRocksDb(status, "rocksdb get stored");
    storage::v1::StoredDocument stored;
    if (!stored.ParseFromString(raw)) return absl::DataLossError("corrupt stored document");

    v1::FetchedDocument* document = out->Add();
    document->set_id(stored.id());
    document->set_version(stored.version());
    document->set_title(stored.title());
    document->set_title_highlighted(
        HighlightWhole(*analyzer_, stored.title(), stored.lang(), title_terms_));
    document->set_snippet(
        MakeSnippet(*analyzer_, stored.body(), stored.lang(), body_terms_, snippet_chars_));
    document->set_url(stored.url());
    document->set_source(stored.source());
    document->set_lang(stored.lang());
    if (stored.has_published_at()) *document->mutable_published_at() = stored.published_at();
    document->mutable_tags()->insert(stored.tags().begin(), stored.tags().end());
    document->set_duplicate_cluster(stored.duplicate_cluster());
  }
  return absl::OkStatus();
}

}  // namespace loupe
