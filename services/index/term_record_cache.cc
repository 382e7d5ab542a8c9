#include "services/index/term_record_cache.h"

#include <utility>

namespace loupe {

void TermRecordCache::Install(Written written) {
  if (max_bytes_ == 0) return;
  size_t incoming = 0;
  for (const auto& [key, record] : written) incoming += EntryBytes(key, record);
  // Replaced entries are counted twice here: an overestimate that only
  // empties the cache a little early.
  if (bytes_ + incoming > max_bytes_) Clear();
  for (auto& [key, record] : written) {
    const size_t size = EntryBytes(key, record);
    auto [it, inserted] = records_.try_emplace(key);
    if (!inserted) bytes_ -= EntryBytes(it->first, it->second);
    if (bytes_ + size > max_bytes_) {
      // One batch larger than the whole cache: keep what fits.
      records_.erase(it);
      continue;
    }
    it->second = std::move(record);
    bytes_ += size;
  }
}

}  // namespace loupe
