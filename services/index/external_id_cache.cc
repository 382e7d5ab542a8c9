#include "services/index/external_id_cache.h"

namespace loupe {

ExternalIdCache::ExternalIdCache(size_t entries) : stripes_(new absl::Mutex[kStripes]) {
  if (entries == 0) return;
  size_t size = 1;
  while (size * 2 <= entries) size *= 2;
  slots_.resize(size);
  mask_ = size - 1;
}

bool ExternalIdCache::Find(uint32_t docid, std::string* id) const {
  if (slots_.empty()) return false;
  const size_t index = docid & mask_;
  absl::MutexLock lock(&StripeOf(index));
  const Slot& slot = slots_[index];
  if (!slot.used || slot.docid != docid) return false;
  id->assign(slot.id);
  return true;
}

void ExternalIdCache::Insert(uint32_t docid, absl::string_view id) {
  if (slots_.empty() || id.size() > kMaxCachedIdBytes) return;
  const size_t index = docid & mask_;
  absl::MutexLock lock(&StripeOf(index));
  Slot& slot = slots_[index];
  slot.used = true;
  slot.docid = docid;
  slot.id.assign(id.data(), id.size());
}

}  // namespace loupe
