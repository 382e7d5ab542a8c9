// Small text helpers for what `loupe` prints and reads: snippets with <mark>
// highlights, HTML entities, dates, byte sizes, UTF-8-safe truncation.
//
//   RenderSnippet("a <mark>cat</mark> &amp; dog", /*ansi=*/false)  // "a [cat] & dog"
//   FormatTimestampDate(hit.published_at())                         // "2020-07-02" or "-"
#ifndef LOUPE_TOOLS_CLI_OUTPUT_FORMAT_H_
#define LOUPE_TOOLS_CLI_OUTPUT_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"

namespace loupe::cli {

// Decodes &amp; &lt; &gt; &quot; &apos; &#39; &nbsp; and numeric entities
// (&#233; &#xE9;); anything else is kept as is.
std::string HtmlUnescape(absl::string_view text);

// A snippet from the query service (HTML-escaped, matches in <mark>…</mark>)
// as terminal text: matches in bold (ANSI) when `ansi`, else in [brackets];
// entities decoded; newlines and tabs become spaces.
std::string RenderSnippet(absl::string_view snippet, bool ansi);

// At most `max_bytes` bytes of `text`, cut on a UTF-8 code point boundary.
absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes);

// Number of code points (terminal columns, roughly) in UTF-8 text.
size_t DisplayWidth(absl::string_view text);

// `text` cut to `columns` code points, with "…" at the end when cut.
std::string Ellipsize(absl::string_view text, size_t columns);

// "YYYY-MM-DD" (UTC), or "-" when the timestamp is unset.
std::string FormatTimestampDate(const google::protobuf::Timestamp& timestamp);

// RFC 3339 ("2020-07-02T10:00:00Z"), or "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// "512 B", "1.5 KB", "12.3 MB", "4.00 GB" (powers of 1000).
std::string FormatBytes(uint64_t bytes);

// Integer with thousands separators: 1234567 -> "1,234,567".
std::string FormatCount(int64_t value);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_OUTPUT_FORMAT_H_
