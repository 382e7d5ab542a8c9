// RecentKeys: the last few short string keys a caller looked up and what it
// found, checked before a slower lookup (one that normalises or hashes the
// key). For callers that ask for a handful of keys over and over, such as
// the analyser asking for each query word's language rules and stemmer in
// turn. Not thread-safe: keep one per thread.
//
//   thread_local RecentKeys<const LanguageRules*> recent;
//   if (const LanguageRules* const* found = recent.Find(code)) return **found;
//   const LanguageRules* rules = SlowLookup(code);
//   recent.Remember(code, rules);
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_RECENT_KEYS_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_RECENT_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"

namespace loupe {

template <typename Value, size_t kSlots = 4>
class RecentKeys {
 public:
  // Longer keys are not remembered.
  static constexpr size_t kMaxKeyBytes = 15;

  // The value remembered for `key`, or nullptr.
  const Value* Find(absl::string_view key) const {
    for (const Slot& slot : slots_) {
      if (slot.size == key.size() && std::memcmp(slot.key, key.data(), key.size()) == 0) {
        return &slot.value;
      }
    }
    return nullptr;
  }

  // Remembers `key` -> `value` in place of the oldest key.
  void Remember(absl::string_view key, Value value) {
    if (key.size() > kMaxKeyBytes) return;
    Slot& slot = slots_[next_];
    next_ = (next_ + 1) % kSlots;
    std::memcpy(slot.key, key.data(), key.size());
    slot.size = static_cast<uint8_t>(key.size());
    slot.value = value;
  }

 private:
  struct Slot {
    char key[kMaxKeyBytes];
    uint8_t size = UINT8_MAX;  // UINT8_MAX: empty
    Value value{};
  };
  Slot slots_[kSlots];
  size_t next_ = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_RECENT_KEYS_H_
