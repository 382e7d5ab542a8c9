// UTF-8 checks shared by the services' input validation.
#ifndef LOUPE_SERVICES_COMMON_UTF8_H_
#define LOUPE_SERVICES_COMMON_UTF8_H_

#include <cstddef>
#include "absl/strings/string_view.h"

namespace loupe {

// True when `text` is well-formed UTF-8 (no surrogates, no overlongs).
bool IsValidUtf8(absl::string_view text);

// Byte offset of the first invalid sequence, or text.size() when valid.
size_t FirstInvalidUtf8Offset(absl::string_view text);

// Number of code points in valid UTF-8 text.
size_t CodePointCount(absl::string_view text);

// True when every byte of `text` is below 0x80 (then its byte offsets are
// its code point offsets). Eight bytes at a time.
bool IsAscii(absl::string_view text);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_UTF8_H_
