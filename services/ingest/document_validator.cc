#include "services/ingest/document_validator.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/utf8.h"

namespace loupe {
namespace {

// 1900-01-01T00:00:00Z and 2200-01-01T00:00:00Z in Unix seconds.
constexpr int64_t kMinPublishedSeconds = -2208988800;
constexpr int64_t kMaxPublishedSeconds = 7258118400;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}

// Checks UTF-8 validity and a byte limit; returns false when invalid UTF-8.
bool CheckText(absl::string_view text, size_t limit, absl::string_view flag, std::string field,
               FieldViolations* violations) {
  if (text.size() > limit) {
    violations->Add(field, absl::StrCat("is ", text.size(), " bytes; the limit is ", limit,
                                        flag.empty() ? "" : absl::StrCat(" (", flag, ")")));
  }
  const size_t bad = FirstInvalidUtf8Offset(text);
  if (bad != text.size()) {
    violations->Add(std::move(field),
                    absl::StrCat("is not valid UTF-8 (first bad byte at offset ", bad, ")"));
    return false;
  }
  return true;
}

}  // namespace

void ValidateId(absl::string_view id, const DocumentLimits& limits, std::string field,
                FieldViolations* violations) {
  if (id.empty()) {
    violations->Add(std::move(field), "is required");
    return;
  }
  if (!CheckText(id, limits.max_id_bytes, "", field, violations)) return;
  // Printable characters only: no whitespace, controls or invisible format
  // characters, so ids survive logs, URLs and copy-paste.
  int32_t offset = 0;
  const int32_t length = static_cast<int32_t>(id.size());
  while (offset < length) {
    const int32_t at = offset;
    UChar32 c;
    U8_NEXT(id.data(), offset, length, c);
    const int8_t type = u_charType(c);
    if (u_isUWhiteSpace(c) || type == U_CONTROL_CHAR || type == U_FORMAT_CHAR ||
        type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR) {
      violations->Add(std::move(field),
                      absl::StrCat("has a whitespace, control or invisible character at byte ", at,
                                   "; ids are printable characters without whitespace"));
      return;
    }
  }
}

void ValidateDocument(const loupe::v1::Document& document, const DocumentLimits& limits,
                      absl::string_view prefix, FieldViolations* violations) {
  if (!document.id().empty()) ValidateId(document.id(), limits, Path(prefix, "id"), violations);

  // A document needs text to be found by: a body, or at least a title (a
  // headline alone). Blank text is caught here too (not only after
  // normalisation) so that it is reported with the batch's other violations.
  const bool has_title = !absl::StripAsciiWhitespace(document.title()).empty();
  if (document.body().empty()) {
    if (!has_title) violations->Add(Path(prefix, "body"), "is required when there is no title");
  } else if (absl::StripAsciiWhitespace(document.body()).empty() && !has_title) {
    violations->Add(Path(prefix, "body"),
                    "has no visible text (only whitespace) and there is no title");
  } else {
    CheckText(document.body(), limits.max_body_bytes, "--max_body_bytes", Path(prefix, "body"),
              violations);
  }
  CheckText(document.title(), limits.max_title_bytes, "--max_title_bytes", Path(prefix, "title"),
            violations);
  CheckText(document.url(), limits.max_url_bytes, "", Path(prefix, "url"), violations);
  CheckText(document.source(), limits.max_source_bytes, "", Path(prefix, "source"), violations);

  const std::string lang = absl::AsciiStrToLower(absl::StripAsciiWhitespace(document.lang()));
  if (!lang.empty()) {
    bool letters = lang.size() >= 2 && lang.size() <= 3;
    for (char c : lang) letters = letters && absl::ascii_isalpha(static_cast<unsigned char>(c));
    if (!letters) {
      violations->Add(Path(prefix, "lang"),
                      "must be an ISO 639-1 code of 2 or 3 letters (\"fr\", \"en\"), or empty to "
                      "detect it");
    }
  }

  if (document.has_published_at()) {
    const auto& published = document.published_at();
    if (published.nanos() < 0 || published.nanos() > 999999999) {
      violations->Add(Path(prefix, "published_at.nanos"),
                      absl::StrCat("is ", published.nanos(), "; it must be 0..999999999"));
    }
    if (published.seconds() < kMinPublishedSeconds || published.seconds() >= kMaxPublishedSeconds) {
      violations->Add(Path(prefix, "published_at"),
                      absl::StrCat("is ", published.seconds(),
                                   " seconds since 1970; it must lie between 1900-01-01 and "
                                   "2200-01-01"));
    }
  }

  if (static_cast<size_t>(document.tags_size()) > limits.max_tags) {
    violations->Add(Path(prefix, "tags"), absl::StrCat("has ", document.tags_size(),
                                                       " entries; the limit is ", limits.max_tags));
  }
  for (const auto& [key, value] : document.tags()) {
    const std::string field = absl::StrCat(prefix, ".tags[", IsValidUtf8(key) ? key : "?", "]");
    if (key.empty()) violations->Add(field, "has an empty key");
    CheckText(key, limits.max_tag_key_bytes, "", field + ".key", violations);
    CheckText(value, limits.max_tag_value_bytes, "", field, violations);
  }

  const std::string& content_type = document.content_type();
  absl::string_view media_type =
      absl::StripAsciiWhitespace(absl::string_view(content_type).substr(0, content_type.find(';')));
  if (!media_type.empty() && !absl::EqualsIgnoreCase(media_type, "text/plain") &&
      !absl::EqualsIgnoreCase(media_type, "text/html")) {
    violations->Add(Path(prefix, "content_type"),
                    absl::StrCat("is \"", IsValidUtf8(content_type) ? content_type : "?",
                                 "\"; expected \"\", \"text/plain\" or \"text/html\""));
  }

  if (document.version() < 0) {
    violations->Add(Path(prefix, "version"),
                    absl::StrCat("is ", document.version(), "; it must be >= 0 (0: server-assigned)"));
  }
}

void ValidateIngestBatch(const google::protobuf::RepeatedPtrField<loupe::v1::Document>& documents,
                         const DocumentLimits& limits, FieldViolations* violations) {
  if (documents.empty()) {
    violations->Add("documents", "is empty; send 1 to " +
                                     std::to_string(limits.max_batch_documents) + " documents");
    return;
  }
  if (static_cast<size_t>(documents.size()) > limits.max_batch_documents) {
    violations->Add("documents",
                    absl::StrCat("has ", documents.size(), " documents; the limit is ",
                                 limits.max_batch_documents, " (--max_batch_documents)"));
    return;
  }
  for (int i = 0; i < documents.size(); ++i) {
    ValidateDocument(documents[i], limits, absl::StrCat("documents[", i, "]"), violations);
  }
}

void ValidateDeleteIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                       const DocumentLimits& limits, FieldViolations* violations) {
  if (ids.empty()) {
    violations->Add("ids", absl::StrCat("is empty; send 1 to ", limits.max_delete_ids, " ids"));
    return;
  }
  if (static_cast<size_t>(ids.size()) > limits.max_delete_ids) {
    violations->Add("ids", absl::StrCat("has ", ids.size(), " ids; the limit is ",
                                        limits.max_delete_ids));
    return;
  }
  for (int i = 0; i < ids.size(); ++i) {
    ValidateId(ids[i], limits, absl::StrCat("ids[", i, "]"), violations);
  }
}

void ValidateNormalizedText(const loupe::v1::Document& normalized, absl::string_view prefix,
                            FieldViolations* violations) {
  if (normalized.body().empty() && normalized.title().empty()) {
    violations->Add(Path(prefix, "body"),
                    "has no visible text after normalisation (only whitespace, control "
                    "characters or markup), and neither has the title");
  }
}

}  // namespace loupe
