#include "services/common/utf8.h"

#include <cstdint>
#include <cstring>

#include <unicode/utf8.h>

namespace loupe {

size_t FirstInvalidUtf8Offset(absl::string_view text) {
  const auto* data = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t offset = 0;
  while (offset < length) {
    const int32_t start = offset;
    UChar32 c;
    U8_NEXT(data, offset, length, c);
    if (c < 0) return static_cast<size_t>(start);
  }
  return text.size();
}

bool IsValidUtf8(absl::string_view text) { return FirstInvalidUtf8Offset(text) == text.size(); }

size_t CodePointCount(absl::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool IsAscii(absl::string_view text) {
  constexpr uint64_t kHighBits = 0x8080808080808080u;
  size_t i = 0;
  uint64_t seen = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof(word));
    seen |= word;
  }
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(text[i]);
  return (seen & kHighBits) == 0;
}

}  // namespace loupe
