#include "services/index/term_read_cache.h"

#include "services/index/posting_store.h"

namespace loupe {

size_t TermReadCache::EntryBytes(absl::string_view key, const Record& record) {
  size_t bytes = kEntryOverhead + key.size();
  if (record != nullptr) {
    bytes += record->tail.size() + record->impacts.size() * sizeof(Impact);
  }
  return bytes;
}

size_t TermReadCache::FindAll(const std::vector<std::string>& term_keys,
                              uint64_t snapshot_sequence, std::vector<Record>* records,
                              std::vector<bool>* known) const {
  records->assign(term_keys.size(), nullptr);
  known->assign(term_keys.size(), false);
  if (max_bytes_ == 0) return 0;
  size_t found = 0;
  absl::MutexLock lock(&mutex_);
  for (size_t i = 0; i < term_keys.size(); ++i) {
    auto it = entries_.find(term_keys[i]);
    if (it == entries_.end() || snapshot_sequence < it->second.valid_from) continue;
    (*records)[i] = it->second.record;
    (*known)[i] = true;
    ++found;
  }
  return found;
}

void TermReadCache::Insert(std::vector<std::pair<std::string, Record>> read,
                           uint64_t snapshot_sequence) {
  if (max_bytes_ == 0 || read.empty()) return;
  absl::MutexLock lock(&mutex_);
  // A write under way, or one the snapshot does not see: what was read may
  // not be current.
  if (!CurrentLocked(snapshot_sequence)) return;
  size_t incoming = 0;
  for (const auto& [key, record] : read) incoming += EntryBytes(key, record);
  // Keys already cached are counted twice: an overestimate that only
  // empties the cache a little early.
  if (bytes_ + incoming > max_bytes_) ClearLocked();
  for (auto& [key, record] : read) {
    const size_t size = EntryBytes(key, record);
    if (bytes_ + size > max_bytes_) continue;  // one search larger than the cache
    auto [it, inserted] = entries_.try_emplace(std::move(key));
    if (!inserted) bytes_ -= EntryBytes(it->first, it->second.record);
    it->second.record = std::move(record);
    it->second.valid_from = last_write_;
    bytes_ += size;
  }
}

SharedSealedList TermReadCache::FindList(absl::string_view term_key,
                                         uint64_t snapshot_sequence) const {
  if (max_list_bytes_ == 0) return nullptr;
  absl::MutexLock lock(&mutex_);
  auto it = lists_.find(term_key);
  if (it == lists_.end() || snapshot_sequence < it->second.valid_from) return nullptr;
  return it->second.list;
}

void TermReadCache::InsertList(std::string term_key, SharedSealedList list,
                               uint64_t snapshot_sequence) {
  if (max_list_bytes_ == 0 || list == nullptr) return;
  const size_t size = ListEntryBytes(term_key, list);
  if (size > max_bytes_per_list()) return;
  absl::MutexLock lock(&mutex_);
  if (!CurrentLocked(snapshot_sequence)) return;
  if (auto it = lists_.find(term_key); it != lists_.end()) {
    list_bytes_ -= ListEntryBytes(it->first, it->second.list);
    lists_.erase(it);
  }
  if (list_bytes_ + size > max_list_bytes_) ClearListsLocked();
  ListEntry& entry = lists_[std::move(term_key)];
  entry.list = std::move(list);
  entry.valid_from = last_write_;
  list_bytes_ += size;
}

void TermReadCache::BeginWrite(const std::vector<std::string>& term_keys) {
  absl::MutexLock lock(&mutex_);
  writing_ = true;
  for (const std::string& key : term_keys) {
    if (auto it = entries_.find(key); it != entries_.end()) {
      bytes_ -= EntryBytes(it->first, it->second.record);
      entries_.erase(it);
    }
    if (auto it = lists_.find(key); it != lists_.end()) {
      list_bytes_ -= ListEntryBytes(it->first, it->second.list);
      lists_.erase(it);
    }
  }
}

void TermReadCache::EndWrite(uint64_t latest_sequence, bool written) {
  absl::MutexLock lock(&mutex_);
  if (!written) {
    ClearLocked();
    ClearListsLocked();
  }
  writing_ = false;
  if (latest_sequence > last_write_) last_write_ = latest_sequence;
}

size_t TermReadCache::bytes() const {
  absl::MutexLock lock(&mutex_);
  return bytes_;
}

size_t TermReadCache::size() const {
  absl::MutexLock lock(&mutex_);
  return entries_.size();
}

size_t TermReadCache::list_bytes() const {
  absl::MutexLock lock(&mutex_);
  return list_bytes_;
}

size_t TermReadCache::list_count() const {
  absl::MutexLock lock(&mutex_);
  return lists_.size();
}

}  // namespace loupe
