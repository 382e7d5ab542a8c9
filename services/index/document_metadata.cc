#include "services/index/document_metadata.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/key_codec.h"
#include "services/common/keyword_terms.h"
#include "services/common/status_util.h"
#include "services/index/index_schema.h"

namespace loupe {
namespace {

// Flips the sign bit so that big-endian bytes sort as signed integers.
std::string SortableSeconds(int64_t seconds) {
  return BigEndian64(static_cast<uint64_t>(seconds) ^ (uint64_t{1} << 63));
}

int64_t FromSortable(const char* data) {
  return static_cast<int64_t>(DecodeBigEndian64(data) ^ (uint64_t{1} << 63));
}

std::string DateKey(int64_t seconds, uint32_t docid) {
  std::string key = SortableSeconds(seconds);
  AppendBigEndian32(&key, docid);
  return key;
}

}  // namespace

std::vector<std::pair<v1::Field, std::string>> KeywordPostings(
    absl::string_view source, absl::string_view lang,
    const google::protobuf::Map<std::string, std::string>& tags) {
  std::vector<std::pair<v1::Field, std::string>> terms;
  std::string value = KeywordTerm(source);
  if (!value.empty()) terms.emplace_back(v1::FIELD_SOURCE, std::move(value));
  value = KeywordTerm(lang);
  if (!value.empty()) terms.emplace_back(v1::FIELD_LANG, std::move(value));
  for (const auto& [key, tag_value] : tags) {
    if (KeywordTerm(key).empty()) continue;
    terms.emplace_back(v1::FIELD_TAG, TagPresenceTerm(key));
    terms.emplace_back(v1::FIELD_TAG, TagValueTerm(key, tag_value));
  }
  // Keys that differ only by case fold to the same term: keep one.
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

void AddDocumentDate(rocksdb::WriteBatchBase* batch, const RocksStore& store, uint32_t docid,
                     int64_t seconds) {
  batch->Put(store.Family(kDatesFamily), DateKey(seconds, docid), "");
  batch->Put(store.Family(kDocDatesFamily), StoredKey(docid), SortableSeconds(seconds));
}

void RemoveDocumentDate(rocksdb::WriteBatchBase* batch, const RocksStore& store, uint32_t docid,
                        int64_t seconds) {
  batch->Delete(store.Family(kDatesFamily), DateKey(seconds, docid));
  batch->Delete(store.Family(kDocDatesFamily), StoredKey(docid));
}

absl::StatusOr<int64_t> DateReader::Seconds(uint32_t docid) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string value;
  rocksdb::Status status =
      store_->db()->Get(read, store_->Family(kDocDatesFamily), StoredKey(docid), &value);
  if (status.IsNotFound()) return kNoDate;
  if (!status.ok()) return FromRocksDb(status, "rocksdb get doc_dates");
  if (value.size() != 8) return absl::DataLossError(absl::StrCat("corrupt date of docid ", docid));
  return FromSortable(value.data());
}

absl::Status DateReader::ForEachInRange(int64_t min_seconds, int64_t max_seconds,
                                        const std::function<void(uint32_t)>& visit) const {
  if (min_seconds > max_seconds) return absl::OkStatus();
  const std::string begin = SortableSeconds(min_seconds);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string upper;
  rocksdb::Slice upper_slice;
  if (max_seconds < std::numeric_limits<int64_t>::max()) {
    upper = SortableSeconds(max_seconds + 1);
    upper_slice = rocksdb::Slice(upper);
    read.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(
      store_->db()->NewIterator(read, store_->Family(kDatesFamily)));
  for (it->Seek(begin); it->Valid(); it->Next()) {
    if (it->key().size() != 12) return absl::DataLossError("corrupt key in the dates family");
    visit(DecodeBigEndian32(it->key().data() + 8));
  }
  return FromRocksDb(it->status(), "rocksdb scan dates");
}

absl::Status DateReader::ForEachDated(
    const std::function<void(uint32_t, int64_t)>& visit) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::unique_ptr<rocksdb::Iterator> it(
      store_->db()->NewIterator(read, store_->Family(kDocDatesFamily)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 4 || it->value().size() != 8) {
      return absl::DataLossError("corrupt entry in the doc_dates family");
    }
    visit(DecodeBigEndian32(it->key().data()), FromSortable(it->value().data()));
  }
  return FromRocksDb(it->status(), "rocksdb scan doc_dates");
}

}  // namespace loupe
