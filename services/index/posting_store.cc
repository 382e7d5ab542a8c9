#include "services/index/posting_store.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/key_codec.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"
#include "services/index/posting_cursor.h"

namespace loupe {
namespace {

// Removes the posting of `docid` from `postings` (by ascending docid);
// false when it is not there.
bool ErasePosting(std::vector<PostingEntry>* postings, uint32_t docid) {
  auto it = std::lower_bound(postings->begin(), postings->end(), docid,
                             [](const PostingEntry& e, uint32_t d) { return e.docid < d; });
  if (it == postings->end() || it->docid != docid) return false;
  postings->erase(it);
  return true;
}

// The frontier of the union of two frontiers.
std::vector<Impact> MergeImpacts(const std::vector<Impact>& a, const std::vector<Impact>& b) {
  std::vector<Impact> points = a;
  points.insert(points.end(), b.begin(), b.end());
  return ImpactFrontier(std::move(points));
}

}  // namespace

void PostingChanges::Remove(uint32_t docid) {
  auto added = std::find_if(adds_.begin(), adds_.end(),
                            [docid](const PostingEntry& entry) { return entry.docid == docid; });
  if (added != adds_.end()) {
    adds_.erase(added);
    return;
  }
  removes_.insert(docid);
}

std::string PostingStore::TermKey(loupe::v1::Field field, absl::string_view term) {
  std::string key;
  key.reserve(term.size() + 1);
  key.push_back(static_cast<char>(field));
  key.append(term.data(), term.size());
  return key;
}

std::string PostingStore::BlockKey(absl::string_view term_key, uint32_t docid) {
  std::string key(term_key);
  key.push_back('\0');
  AppendBigEndian32(&key, docid);
  return key;
}

std::string PostingStore::EncodeTermRecord(const TermRecord& record) {
  std::string value;
  AppendVarint(&value, record.document_frequency);
  AppendVarint(&value, record.impacts.size());
  for (const Impact& impact : record.impacts) {
    AppendVarint(&value, impact.tf);
    AppendVarint(&value, impact.field_length);
  }
  value.append(record.tail);
  return value;
}

absl::StatusOr<TermRecord> PostingStore::DecodeTermRecord(absl::string_view value) {
  TermRecord record;
  size_t pos = 0;
  uint64_t impact_count = 0;
  if (!ReadVarint(value, &pos, &record.document_frequency) ||
      !ReadVarint(value, &pos, &impact_count) || impact_count > kMaxImpacts) {
    return absl::DataLossError("corrupt term record header");
  }
  record.impacts.resize(impact_count);
  for (Impact& impact : record.impacts) {
    uint64_t tf = 0, length = 0;
    if (!ReadVarint(value, &pos, &tf) || !ReadVarint(value, &pos, &length) ||
        tf > UINT32_MAX || length > UINT32_MAX) {
      return absl::DataLossError("corrupt term record impacts");
    }
    impact = Impact{static_cast<uint32_t>(tf), static_cast<uint32_t>(length)};
  }
  record.tail = std::string(value.substr(pos));
  return record;
}

absl::StatusOr<TermRecord> PostingStore::ReadTerm(const rocksdb::Snapshot* snapshot,
                                                  absl::string_view term_key) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  rocksdb::PinnableSlice value;
  rocksdb::Status status = db_->Get(read, terms_, ToSlice(term_key), &value);
  if (status.IsNotFound()) return TermRecord{};
  if (!status.ok()) return FromRocksDb(status, "rocksdb get terms");
  return DecodeTermRecord(absl::string_view(value.data(), value.size()));
}

absl::StatusOr<std::vector<SharedTermRecord>> PostingStore::ReadSharedTerms(
    const rocksdb::Snapshot* snapshot, const std::vector<std::string>& term_keys) const {
  const size_t count = term_keys.size();
  // The cache serves only reads at a snapshot (its entries are stamped
  // with sequence numbers).
  TermReadCache* cache = snapshot != nullptr ? read_cache_ : nullptr;
  std::vector<SharedTermRecord> records;
  std::vector<bool> known;
  size_t known_count = 0;
  if (cache != nullptr) {
    known_count = cache->FindAll(term_keys, snapshot->GetSequenceNumber(), &records, &known);
  } else {
    records.assign(count, nullptr);
    known.assign(count, false);
  }
  if (known_count == count) return records;
  std::vector<size_t> missing;  // indexes of the keys RocksDB is asked for
  missing.reserve(count - known_count);
  std::vector<rocksdb::Slice> keys;
  keys.reserve(count - known_count);
  for (size_t i = 0; i < count; ++i) {
    if (known[i]) continue;
    missing.push_back(i);
    keys.emplace_back(term_keys[i]);
  }
  std::vector<rocksdb::PinnableSlice> values(missing.size());
  std::vector<rocksdb::Status> statuses(missing.size());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  db_->MultiGet(read, terms_, missing.size(), keys.data(), values.data(), statuses.data());
  std::vector<std::pair<std::string, SharedTermRecord>> read_now;
  for (size_t m = 0; m < missing.size(); ++m) {
    const size_t i = missing[m];
    if (!statuses[m].IsNotFound()) {
      if (!statuses[m].ok()) return FromRocksDb(statuses[m], "rocksdb multiget terms");
      absl::StatusOr<TermRecord> record =
          DecodeTermRecord(absl::string_view(values[m].data(), values[m].size()));
      if (!record.ok()) return record.status();
      records[i] = std::make_shared<const TermRecord>(*std::move(record));
    }
    if (cache != nullptr) read_now.emplace_back(term_keys[i], records[i]);
  }
  if (cache != nullptr) cache->Insert(std::move(read_now), snapshot->GetSequenceNumber());
  return records;
}

absl::StatusOr<SharedSealedList> PostingStore::SharedSealedBlocks(
    const rocksdb::Snapshot* snapshot, absl::string_view term_key,
    uint64_t document_frequency) const {
  if (snapshot == nullptr || read_cache_ == nullptr || !read_cache_->keeps_lists() ||
      document_frequency > kMaxSharedListPostings ||
      document_frequency * kMinPostingBytes > read_cache_->max_bytes_per_list()) {
    return nullptr;
  }
  const uint64_t sequence = snapshot->GetSequenceNumber();
  if (SharedSealedList known = read_cache_->FindList(term_key, sequence)) return known;
  auto list = std::make_shared<SealedList>();
  const std::string first = BlockKey(term_key, 0);
  std::string upper_bound(term_key);
  upper_bound.push_back('\1');
  const rocksdb::Slice upper_bound_slice(upper_bound);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  read.iterate_upper_bound = &upper_bound_slice;
  std::unique_ptr<rocksdb::Iterator> blocks(db_->NewIterator(read, postings_));
  for (blocks->Seek(first); blocks->Valid(); blocks->Next()) {
    const rocksdb::Slice value = blocks->value();
    uint32_t last_docid = 0;
    if (!PostingBlockView::ReadLastDocid(absl::string_view(value.data(), value.size()),
                                         &last_docid)) {
      return absl::DataLossError("corrupt posting block header");
    }
    list->bytes.append(value.data(), value.size());
    list->ends.push_back(list->bytes.size());
    list->last_docids.push_back(last_docid);
  }
  if (!blocks->status().ok()) return FromRocksDb(blocks->status(), "rocksdb scan postings");
  list->bytes.shrink_to_fit();
  SharedSealedList shared = std::move(list);
  read_cache_->InsertList(std::string(term_key), shared, sequence);
  return shared;
}

absl::StatusOr<std::vector<uint64_t>> PostingStore::DocumentFrequencies(
    const rocksdb::Snapshot* snapshot, const std::vector<std::string>& term_keys) const {
  absl::StatusOr<std::vector<SharedTermRecord>> records = ReadSharedTerms(snapshot, term_keys);
  if (!records.ok()) return records.status();
  std::vector<uint64_t> frequencies(term_keys.size(), 0);
  for (size_t i = 0; i < term_keys.size(); ++i) {
    if ((*records)[i] != nullptr) frequencies[i] = (*records)[i]->document_frequency;
  }
  return frequencies;
}

absl::Status PostingStore::Apply(rocksdb::WriteBatchBase* batch, absl::string_view term_key,
                                 const PostingChanges& changes, const TermRecordCache* cache,
                                 TermRecordCache::Written* written) const {
  if (changes.adds().empty() && changes.removes().empty()) return absl::OkStatus();
  const std::string* cached = cache != nullptr ? cache->Find(term_key) : nullptr;
  absl::StatusOr<TermRecord> record = cached == nullptr ? ReadTerm(nullptr, term_key)
                                      : cached->empty() ? TermRecord{}
                                                        : DecodeTermRecord(*cached);
  if (!record.ok()) return record.status();
  std::vector<PostingEntry> tail;
  if (!record->tail.empty()) {
    absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(record->tail);
    if (!view.ok()) return view.status();
    LOUPE_RETURN_IF_ERROR(view->DecodeAll(&tail));
  }
  const uint32_t tail_first = tail.empty() ? kEndDocid : tail.front().docid;

  // Removals from sealed blocks: each block read once, rewritten once.
  std::map<std::string, std::vector<PostingEntry>> rewritten;  // block key -> postings
  size_t removed = 0;
  const std::string lower = BlockKey(term_key, 0);
  rocksdb::Slice lower_slice(lower);
  std::unique_ptr<rocksdb::Iterator> it;  // made for the first sealed removal
  for (uint32_t docid : changes.removes()) {
    if (docid >= tail_first) {
      if (!ErasePosting(&tail, docid)) break;  // reported below
      ++removed;
      continue;
    }
    if (it == nullptr) {
      rocksdb::ReadOptions read;
      read.iterate_lower_bound = &lower_slice;
      it.reset(db_->NewIterator(read, postings_));
    }
    it->SeekForPrev(BlockKey(term_key, docid));
    if (!it->Valid()) {
      LOUPE_RETURN_IF_ERROR(FromRocksDb(it->status(), "rocksdb seek postings"));
      break;
    }
    const std::string key = it->key().ToString();
    auto block = rewritten.find(key);
    if (block == rewritten.end()) {
      absl::StatusOr<PostingBlockView> view =
          PostingBlockView::Parse(absl::string_view(it->value().data(), it->value().size()));
      if (!view.ok()) return view.status();
      block = rewritten.emplace(key, std::vector<PostingEntry>()).first;
      LOUPE_RETURN_IF_ERROR(view->DecodeAll(&block->second));
    }
    if (!ErasePosting(&block->second, docid)) break;
    ++removed;
  }
  if (removed != changes.removes().size()) {
    return absl::DataLossError(absl::StrCat("a removed posting is missing from the list of term ",
                                            absl::CHexEscape(term_key)));
  }
  for (const auto& [key, postings] : rewritten) {
    if (postings.empty()) {
      batch->Delete(postings_, key);
    } else {
      batch->Put(postings_, key, EncodePostingBlock(postings));
    }
  }

  // Additions go to the tail; full tails are sealed.
  std::vector<Impact> added_points;
  for (const PostingEntry& entry : changes.adds()) {
    if ((!tail.empty() && entry.docid <= tail.back().docid) || entry.positions.empty()) {
      return absl::DataLossError(absl::StrCat("posting of docid ", entry.docid,
                                              " is not above the list of term ",
                                              absl::CHexEscape(term_key), " or has no position"));
    }
    added_points.push_back(Impact{static_cast<uint32_t>(entry.positions.size()),
                                  entry.field_length});
    tail.push_back(entry);
  }
  size_t sealed = 0;
  while (tail.size() - sealed >= kPostingBlockSize) {
    const absl::Span<const PostingEntry> block(tail.data() + sealed, kPostingBlockSize);
    batch->Put(postings_, BlockKey(term_key, block.front().docid), EncodePostingBlock(block));
    sealed += kPostingBlockSize;
  }
  tail.erase(tail.begin(), tail.begin() + sealed);

  const uint64_t old_df = record->document_frequency;
  if (old_df < removed) {
    return absl::DataLossError(absl::StrCat("document frequency would go negative (", old_df,
                                            " - ", removed, ")"));
  }
  TermRecord updated;
  updated.document_frequency = old_df - removed + changes.adds().size();
  std::string encoded;  // stays empty when the term has no posting left
  if (updated.document_frequency == 0) {
    batch->Delete(terms_, ToSlice(term_key));
  } else {
    updated.impacts = MergeImpacts(record->impacts, ImpactFrontier(std::move(added_points)));
    if (!tail.empty()) updated.tail = EncodePostingBlock(tail);
    encoded = EncodeTermRecord(updated);
    batch->Put(terms_, ToSlice(term_key), encoded);
  }
  if (written != nullptr) (*written)[term_key] = std::move(encoded);
  return absl::OkStatus();
}

absl::Status PostingStore::ForEach(const rocksdb::Snapshot* snapshot, loupe::v1::Field field,
                                   absl::string_view term, bool with_positions,
                                   const std::function<void(const Posting&)>& visit) const {
  absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
      PostingCursor::Open(*this, snapshot, TermKey(field, term));
  if (!cursor.ok()) return cursor.status();
  Posting posting;
  while ((*cursor)->NextBlock()) {
    if (!(*cursor)->DecodeBlock(with_positions)) break;
    const DecodedPostings& decoded = (*cursor)->decoded();
    for (size_t i = 0; i < decoded.docids.size(); ++i) {
      posting.docid = decoded.docids[i];
      posting.term_frequency = decoded.tfs[i];
      posting.field_length = decoded.lengths[i];
      if (with_positions) {
        posting.positions.assign(decoded.positions.begin() + decoded.position_starts[i],
                                 decoded.positions.begin() + decoded.position_starts[i + 1]);
      }
      visit(posting);
    }
  }
  return (*cursor)->status();
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
