// Text normalisation of incoming documents, before anything is hashed,
// detected, stored or shipped: the stored text is the normalised text.
//
// For every text field:
//   - the input must be valid UTF-8 (INVALID_ARGUMENT otherwise; the
//     validator reports it first with the field path);
//   - "\r\n" and lone "\r" (and U+2028/U+2029) become "\n";
//   - control characters are removed, except "\n" and "\t" (C0, DEL, C1,
//     and the byte-order mark U+FEFF);
//   - Unicode NFC (ICU Normalizer2), so "e" + U+0301 and "é" are one text;
//   - whitespace tidy: runs of spaces/tabs collapse to one (a tab when the
//     run held one), lines are trimmed, at most one blank line in a row, no
//     leading or trailing blank lines.
// Single-line fields (title) also turn newlines and tabs into spaces.
// The body is first converted from HTML when content_type is "text/html"
// (see html_to_text.h); the normalised document then says "" (plain text).
//
//   absl::StatusOr<std::string> text = NormalizeText("Cafe\xCC\x81\r\nbar  ", TextShape::kMultiLine);
//   // *text == "Café\nbar"
//   absl::StatusOr<loupe::v1::Document> doc = NormalizeDocument(request.documents(0));
#ifndef LOUPE_SERVICES_INGEST_DOCUMENT_NORMALIZER_H_
#define LOUPE_SERVICES_INGEST_DOCUMENT_NORMALIZER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/document.pb.h"

namespace loupe {

enum class TextShape { kMultiLine, kSingleLine };

// Normalises one text field as described above.
absl::StatusOr<std::string> NormalizeText(absl::string_view text, TextShape shape);

// The text a normalised document is identified and compared by (derived
// id, exact and near duplicates): its body, or its title when it has no
// body (a headline alone).
inline absl::string_view ContentText(const loupe::v1::Document& normalized) {
  return normalized.body().empty() ? absl::string_view(normalized.title())
                                   : absl::string_view(normalized.body());
}

// True when content_type names HTML ("text/html", any case, parameters such
// as "; charset=utf-8" allowed).
bool IsHtmlContentType(absl::string_view content_type);

// The normalised copy of `document`: body (HTML removed when so typed) and
// title normalised, url/source/lang trimmed (lang lower-cased), tag keys and
// values NFC. id and version are copied unchanged. Fails only on invalid
// UTF-8.
absl::StatusOr<loupe::v1::Document> NormalizeDocument(const loupe::v1::Document& document);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_DOCUMENT_NORMALIZER_H_
