#include "services/index/batch_writer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"
#include "services/index/document_metadata.h"
#include "services/index/field_terms.h"
#include "services/index/index_schema.h"

namespace loupe {

BatchWriter::BatchWriter(RocksStore* store, const PostingStore* postings,
                         const Analyzer& analyzer, const storage::v1::IndexState& state,
                         TermRecordCache* term_records, TermReadCache* read_cache)
    : store_(store),
      postings_(postings),
      term_records_(term_records),
      read_cache_(read_cache),
      analyzer_(analyzer),
      state_(state),
      batch_({store->Family(kDocsFamily), store->Family(kStoredFamily)}) {}

absl::StatusOr<std::optional<std::string>> BatchWriter::Read(absl::string_view family,
                                                             absl::string_view key) {
  return batch_.Get(store_->db(), store_->Family(family), key);
}

absl::StatusOr<std::optional<storage::v1::DocumentRef>> BatchWriter::ReadRef(
    absl::string_view id) {
  absl::StatusOr<std::optional<std::string>> value = Read(kDocsFamily, id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<storage::v1::DocumentRef>();
  storage::v1::DocumentRef ref;
  if (!ref.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("corrupt docs record for id ", id));
  }
  return std::optional<storage::v1::DocumentRef>(std::move(ref));
}

absl::Status BatchWriter::RemoveDocid(uint32_t docid) {
  const std::string stored_key = StoredKey(docid);
  absl::StatusOr<std::optional<std::string>> value = Read(kStoredFamily, stored_key);
  if (!value.ok()) return value.status();
  storage::v1::StoredDocument stored;
  if (!value->has_value() || !stored.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("docid ", docid, " has no readable stored fields"));
  }
  // Same analyser version as at index time (checked at Open): same terms.
  const std::pair<v1::Field, const std::string*> fields[] = {
      {v1::FIELD_TITLE, &stored.title()}, {v1::FIELD_BODY, &stored.body()}};
  for (const auto& [field, text] : fields) {
    FieldTerms terms = AnalyzeField(analyzer_, *text, stored.lang());
    for (const auto& entry : terms.positions) {
      changes_[PostingStore::TermKey(field, entry.first)].Remove(docid);
    }
  }
  for (const auto& [field, term] : KeywordPostings(stored.source(), stored.lang(), stored.tags())) {
    changes_[PostingStore::TermKey(field, term)].Remove(docid);
  }
  if (stored.has_published_at()) {
    RemoveDocumentDate(batch_.unreadable_entries(), *store_, docid,
                       stored.published_at().seconds());
  }
  if (state_.document_count() == 0 || state_.title_tokens() < stored.title_tokens() ||
      state_.body_tokens() < stored.body_tokens()) {
    return absl::DataLossError("shard counters are lower than a live document's share");
  }
  state_.set_document_count(state_.document_count() - 1);
  state_.set_title_tokens(state_.title_tokens() - stored.title_tokens());
  state_.set_body_tokens(state_.body_tokens() - stored.body_tokens());
  LOUPE_RETURN_IF_ERROR(batch_.Delete(store_->Family(kStoredFamily), stored_key));
  return batch_.Delete(store_->Family(kIdsFamily), stored_key);
}

absl::Status BatchWriter::Upsert(const v1::IndexedDocument& indexed) {
  const v1::Document& document = indexed.document();
  absl::StatusOr<std::optional<storage::v1::DocumentRef>> ref = ReadRef(document.id());
  if (!ref.ok()) return ref.status();
  if (ref->has_value()) {
    // Ingest orders versions; a lower one can only be a stale replay.
    if (document.version() < (*ref)->version()) return absl::OkStatus();
    LOUPE_RETURN_IF_ERROR(RemoveDocid((*ref)->docid()));
  }
  if (state_.next_docid() == UINT32_MAX) {
    return absl::ResourceExhaustedError("shard ran out of internal docids; reindex it");
  }
  const uint32_t docid = state_.next_docid();
  state_.set_next_docid(docid + 1);

  FieldTerms title = AnalyzeField(analyzer_, document.title(), document.lang());
  FieldTerms body = AnalyzeField(analyzer_, document.body(), document.lang());
  const std::pair<v1::Field, FieldTerms*> fields[] = {{v1::FIELD_TITLE, &title},
                                                      {v1::FIELD_BODY, &body}};
  for (const auto& [field, terms] : fields) {
    // The positions move into the changes; only token_count is read after.
    for (auto& [term, positions] : terms->positions) {
      changes_[PostingStore::TermKey(field, term)].Add(
          PostingEntry{docid, terms->token_count, std::move(positions)});
    }
  }
  // Filters: keyword postings (one position, length 1) and the date.
  for (const auto& [field, term] :
       KeywordPostings(document.source(), document.lang(), document.tags())) {
    changes_[PostingStore::TermKey(field, term)].Add(
        PostingEntry{docid, /*field_length=*/1, {0}});
  }
  if (document.has_published_at()) {
    AddDocumentDate(batch_.unreadable_entries(), *store_, docid, document.published_at().seconds());
  }

  storage::v1::StoredDocument stored;
  stored.set_id(document.id());
  stored.set_version(document.version());
  stored.set_title(document.title());
  stored.set_body(document.body());
  stored.set_url(document.url());
  stored.set_source(document.source());
  stored.set_lang(document.lang());
  if (document.has_published_at()) *stored.mutable_published_at() = document.published_at();
  stored.mutable_tags()->insert(document.tags().begin(), document.tags().end());
  stored.set_duplicate_cluster(indexed.duplicate_cluster());
  stored.set_title_tokens(title.token_count);
  stored.set_body_tokens(body.token_count);

  storage::v1::DocumentRef new_ref;
  new_ref.set_docid(docid);
  new_ref.set_version(document.version());

  const std::string stored_key = StoredKey(docid);
  LOUPE_RETURN_IF_ERROR(
      batch_.Put(store_->Family(kStoredFamily), stored_key, stored.SerializeAsString()));
  LOUPE_RETURN_IF_ERROR(batch_.Put(store_->Family(kIdsFamily), stored_key, document.id()));
  LOUPE_RETURN_IF_ERROR(
      batch_.Put(store_->Family(kDocsFamily), document.id(), new_ref.SerializeAsString()));

  state_.set_document_count(state_.document_count() + 1);
  state_.set_title_tokens(state_.title_tokens() + title.token_count);
  state_.set_body_tokens(state_.body_tokens() + body.token_count);
  return absl::OkStatus();
}

absl::Status BatchWriter::Delete(absl::string_view id) {
  absl::StatusOr<std::optional<storage::v1::DocumentRef>> ref = ReadRef(id);
  if (!ref.ok()) return ref.status();
  if (!ref->has_value()) return absl::OkStatus();
  LOUPE_RETURN_IF_ERROR(RemoveDocid((*ref)->docid()));
  return batch_.Delete(store_->Family(kDocsFamily), id);
}

std::vector<const BatchWriter::ChangesEntry*> BatchWriter::ChangesInKeyOrder() const {
  std::vector<const ChangesEntry*> entries;
  entries.reserve(changes_.size());
  for (const ChangesEntry& entry : changes_) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const ChangesEntry* a, const ChangesEntry* b) { return a->first < b->first; });
  return entries;
}

absl::Status BatchWriter::Commit(uint64_t applied_sequence) {
  // Postings are only written here, so the database holds the lists as
  // they were before this batch.
  rocksdb::WriteBatch* unindexed = batch_.unreadable_entries();
  TermRecordCache::Written written;
  for (const ChangesEntry* entry : ChangesInKeyOrder()) {
    LOUPE_RETURN_IF_ERROR(postings_->Apply(unindexed, entry->first, entry->second, term_records_,
                                           term_records_ != nullptr ? &written : nullptr));
  }
  state_.set_applied_sequence(applied_sequence);
  LOUPE_RETURN_IF_ERROR(
      batch_.Put(store_->Family(kMetaFamily), kStateKey, state_.SerializeAsString()));
  std::vector<std::string> term_keys;
  if (read_cache_ != nullptr) {
    term_keys.reserve(changes_.size());
    for (const auto& entry : changes_) term_keys.push_back(entry.first);
    read_cache_->BeginWrite(term_keys);
  }
  absl::Status status =
      batch_.Write(store_->db(), store_->durable_write(), "rocksdb write apply batch");
  if (read_cache_ != nullptr) {
    read_cache_->EndWrite(store_->db()->GetLatestSequenceNumber(), status.ok());
  }
  if (term_records_ != nullptr) {
    if (status.ok()) {
      term_records_->Install(std::move(written));
    } else {
      term_records_->Clear();
    }
  }
  return status;
}

}  // namespace loupe
