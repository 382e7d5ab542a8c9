#include "services/index/posting_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/key_codec.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

std::string PostingStore::TermKey(loupe::v1::Field field, absl::string_view term) {
  std::string key;
  key.reserve(term.size() + 1);
  key.push_back(static_cast<char>(field));
  key.append(term.data(), term.size());
  return key;
}

std::string PostingStore::PostingKey(loupe::v1::Field field, absl::string_view term,
                                     uint32_t docid) {
  std::string key = TermKey(field, term);
  key.push_back('\0');
  AppendBigEndian32(&key, docid);
  return key;
}

std::string PostingStore::EncodeValue(uint32_t field_length,
                                      const std::vector<uint32_t>& positions) {
  std::string value;
  AppendVarint(&value, positions.size());
  AppendVarint(&value, field_length);
  uint32_t previous = 0;
  for (uint32_t position : positions) {
    AppendVarint(&value, position - previous);
    previous = position;
  }
  return value;
}

bool PostingStore::DecodeValue(absl::string_view value, bool with_positions, Posting* posting) {
  size_t pos = 0;
  uint64_t tf = 0;
  uint64_t length = 0;
  if (!ReadVarint(value, &pos, &tf) || !ReadVarint(value, &pos, &length)) return false;
  if (tf == 0 || tf > UINT32_MAX || length > UINT32_MAX) return false;
  posting->term_frequency = static_cast<uint32_t>(tf);
  posting->field_length = static_cast<uint32_t>(length);
  posting->positions.clear();
  if (!with_positions) return true;
  posting->positions.reserve(tf);
  uint64_t current = 0;
  for (uint64_t i = 0; i < tf; ++i) {
    uint64_t delta = 0;
    if (!ReadVarint(value, &pos, &delta)) return false;
    current += delta;
    posting->positions.push_back(static_cast<uint32_t>(current));
  }
  return pos == value.size();
}

void PostingStore::AddPosting(rocksdb::WriteBatchBase* batch, loupe::v1::Field field,
                              absl::string_view term, uint32_t docid, uint32_t field_length,
                              const std::vector<uint32_t>& positions) const {
  batch->Put(postings_, PostingKey(field, term, docid), EncodeValue(field_length, positions));
}

void PostingStore::RemovePosting(rocksdb::WriteBatchBase* batch, loupe::v1::Field field,
                                 absl::string_view term, uint32_t docid) const {
  batch->Delete(postings_, PostingKey(field, term, docid));
}

void PostingStore::PutDocumentFrequency(rocksdb::WriteBatchBase* batch,
                                        absl::string_view term_key,
                                        uint64_t document_frequency) const {
  if (document_frequency == 0) {
    batch->Delete(terms_, ToSlice(term_key));
    return;
  }
  std::string value;
  AppendVarint(&value, document_frequency);
  batch->Put(terms_, ToSlice(term_key), value);
}

absl::StatusOr<uint64_t> PostingStore::DocumentFrequency(const rocksdb::Snapshot* snapshot,
                                                         absl::string_view term_key) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  rocksdb::Status status = db_->Get(read, terms_, ToSlice(term_key), &value);
  if (status.IsNotFound()) return 0;
  if (!status.ok()) return FromRocksDb(status, "rocksdb get terms");
  size_t pos = 0;
  uint64_t df = 0;
  if (!ReadVarint(value, &pos, &df) || pos != value.size()) {
    return absl::DataLossError("corrupt document frequency in terms family");
  }
  return df;
}

absl::Status PostingStore::ForEach(const rocksdb::Snapshot* snapshot, loupe::v1::Field field,
                                   absl::string_view term, bool with_positions,
                                   const std::function<void(const Posting&)>& visit) const {
  std::string prefix = TermKey(field, term);
  prefix.push_back('\0');
  std::string upper = prefix;
  upper.back() = '\1';
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, postings_));
  Posting posting;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != prefix.size() + 4) {
      return absl::DataLossError(absl::StrCat("corrupt posting key of size ", key.size()));
    }
    posting.docid = DecodeBigEndian32(key.data() + prefix.size());
    const rocksdb::Slice value = it->value();
    if (!DecodeValue(absl::string_view(value.data(), value.size()), with_positions, &posting)) {
      return absl::DataLossError(absl::StrCat("corrupt posting of docid ", posting.docid));
    }
    visit(posting);
  }
  return FromRocksDb(it->status(), "rocksdb scan postings");
}

absl::Status PostingStore::ExpandPrefix(const rocksdb::Snapshot* snapshot,
                                        loupe::v1::Field field, absl::string_view prefix,
                                        uint32_t max_terms,
                                        loupe::v1::PrefixExpansion* expansion) const {
  const std::string start = TermKey(field, prefix);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, terms_));
  for (it->Seek(start); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(start)) break;
    if (static_cast<uint32_t>(expansion->terms_size()) >= max_terms) {
      expansion->set_truncated(true);
      break;
    }
    size_t pos = 0;
    uint64_t df = 0;
    const rocksdb::Slice value = it->value();
    if (!ReadVarint(absl::string_view(value.data(), value.size()), &pos, &df)) {
      return absl::DataLossError("corrupt document frequency in terms family");
    }
    expansion->add_terms(std::string(key.data() + 1, key.size() - 1));
    expansion->add_document_frequencies(df);
  }
  return FromRocksDb(it->status(), "rocksdb scan terms");
}

}  // namespace loupe
