// Conversion of one JSON Lines record (the format of
// /work/shared/data/*/corpus.jsonl.gz) into a loupe.v1.Document, and the date
// parsing it uses.
//
// Recognised keys: "id" (or "_id", as in BEIR; string or integer), "title",
// "text" (or "body"),
// "url", "source", "lang", "content_type", "date" (or "published_at"), and
// "tags" (an object of strings). Any other key whose value is a short
// single-line string (<= kMaxTagValueBytes, not a prose field such as
// "abstract") becomes a tag, up to kMaxTags tags. JSON null counts as absent.
// Parsing uses protobuf's JSON parser into google.protobuf.Struct.
//
//   loupe::v1::Document doc;
//   std::vector<std::string> warnings;
//   absl::Status status = JsonLineToDocument(line, &doc, &warnings);
//   // !ok: the line is not a JSON object or a known key has the wrong type.
//   // warnings: e.g. an unparsable date (the document is still usable).
#ifndef LOUPE_TOOLS_CLI_JSON_DOCUMENT_H_
#define LOUPE_TOOLS_CLI_JSON_DOCUMENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "loupe/v1/document.pb.h"

namespace loupe::cli {

inline constexpr size_t kMaxTagValueBytes = 128;
inline constexpr size_t kMaxTagKeyBytes = 128;
inline constexpr int kMaxTags = 64;

// Parses an ISO-8601 / RFC 3339 date-time ("2020-07-02T10:00:00Z",
// "2020-07-02T10:00:00.5+02:00", "2020-07-02 10:00:00", no zone = UTC), a
// plain date ("2020-07-02", midnight UTC) or an RFC 1123 date
// ("Thu, 02 Jul 2020 10:00:00 +0200"). nullopt when none matches or the year
// lies outside [1900, 2200) (the range loupe-ingest accepts).
std::optional<absl::Time> ParseDocumentDate(absl::string_view text);

// Fills `document` from one JSON object. Returns INVALID_ARGUMENT with a
// message such as `invalid JSON: ...`, `"title" must be a string` or
// `"text" is missing or empty, and so is "title"` (loupe-ingest requires a
// body or a title).
// Non-fatal problems are appended to `warnings`.
absl::Status JsonLineToDocument(absl::string_view line, loupe::v1::Document* document,
                                std::vector<std::string>* warnings);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_JSON_DOCUMENT_H_
