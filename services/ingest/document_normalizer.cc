#include "services/ingest/document_normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/utf8.h"
#include "services/ingest/html_to_text.h"

namespace loupe {
namespace {

// Line breaks unified to "\n"; controls (except \n, \t), C1 and BOM removed.
std::string CleanControls(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      continue;
    }
    if (byte < 0x20 && byte != '\n' && byte != '\t') continue;
    if (byte == 0x7F) continue;
    // C1 controls U+0080..U+009F are encoded C2 80..C2 9F.
    if (byte == 0xC2 && i + 1 < text.size()) {
      const auto second = static_cast<unsigned char>(text[i + 1]);
      if (second >= 0x80 && second <= 0x9F) {
        ++i;
        continue;
      }
    }
    if (byte == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      const auto third = static_cast<unsigned char>(text[i + 2]);
      if (third == 0xA8 || third == 0xA9) {  // U+2028, U+2029
        out.push_back('\n');
        i += 2;
        continue;
      }
    }
    if (byte == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBB &&
        static_cast<unsigned char>(text[i + 2]) == 0xBF) {  // U+FEFF
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

// Takes `text` by value: most text is NFC already and is handed back
// without a copy.
absl::StatusOr<std::string> ToNfc(std::string text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) {
    return absl::InternalError(absl::StrCat("ICU NFC normalizer: ", u_errorName(error)));
  }
  // ASCII is NFC; most other text already is too, which ICU tells on the
  // UTF-8 itself, without a UTF-16 copy.
  if (IsAscii(text)) return text;
  const icu::StringPiece utf8(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(utf8, error) && U_SUCCESS(error)) return text;
  error = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  nfc->normalizeUTF8(0, utf8, sink, nullptr, error);
  if (U_FAILURE(error)) {
    return absl::InternalError(absl::StrCat("ICU NFC normalize: ", u_errorName(error)));
  }
  return out;
}

// Whitespace tidy on text whose only controls are \n and \t.
std::string TidyWhitespace(absl::string_view text, TextShape shape) {
  std::string out;
  out.reserve(text.size());
  int pending_newlines = 0;   // Newlines seen since the last visible character.
  bool pending_space = false;
  bool pending_tab = false;
  for (char c : text) {
    if (c == '\n' && shape == TextShape::kMultiLine) {
      ++pending_newlines;
      pending_space = pending_tab = false;  // Trailing blanks of a line go.
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      pending_space = true;
      if (c == '\t' && shape == TextShape::kMultiLine) pending_tab = true;
      continue;
    }
    if (!out.empty()) {
      if (pending_newlines > 0) {
        out.append(pending_newlines >= 2 ? "\n\n" : "\n");
      } else if (pending_space) {
        out.push_back(pending_tab ? '\t' : ' ');
      }
    }
    pending_newlines = 0;
    pending_space = pending_tab = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> NormalizeText(absl::string_view text, TextShape shape) {
  const size_t bad = FirstInvalidUtf8Offset(text);
  if (bad != text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("is not valid UTF-8 (first bad byte at offset ", bad, ")"));
  }
  absl::StatusOr<std::string> nfc = ToNfc(CleanControls(text));
  if (!nfc.ok()) return nfc.status();
  return TidyWhitespace(*nfc, shape);
}

bool IsHtmlContentType(absl::string_view content_type) {
  absl::string_view media_type = content_type.substr(0, content_type.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(media_type), "text/html");
}

absl::StatusOr<loupe::v1::Document> NormalizeDocument(const loupe::v1::Document& document) {
  loupe::v1::Document out;
  out.set_id(document.id());
  out.set_version(document.version());
  if (document.has_published_at()) *out.mutable_published_at() = document.published_at();

  std::string body_source = document.body();
  if (IsHtmlContentType(document.content_type())) {
    if (!IsValidUtf8(body_source)) return absl::InvalidArgumentError("body is not valid UTF-8");
    body_source = HtmlToText(body_source);
  }
  absl::StatusOr<std::string> body = NormalizeText(body_source, TextShape::kMultiLine);
  if (!body.ok()) return body.status();
  out.set_body(*std::move(body));

  absl::StatusOr<std::string> title = NormalizeText(document.title(), TextShape::kSingleLine);
  if (!title.ok()) return title.status();
  out.set_title(*std::move(title));

  absl::StatusOr<std::string> url = NormalizeText(document.url(), TextShape::kSingleLine);
  if (!url.ok()) return url.status();
  out.set_url(*std::move(url));
  absl::StatusOr<std::string> source = NormalizeText(document.source(), TextShape::kSingleLine);
  if (!source.ok()) return source.status();
  out.set_source(*std::move(source));
  out.set_lang(absl::AsciiStrToLower(absl::StripAsciiWhitespace(document.lang())));

  for (const auto& [key, value] : document.tags()) {
    absl::StatusOr<std::string> nfc_key = ToNfc(key);
    absl::StatusOr<std::string> nfc_value = ToNfc(value);
    if (!nfc_key.ok()) return nfc_key.status();
    if (!nfc_value.ok()) return nfc_value.status();
    (*out.mutable_tags())[*nfc_key] = *nfc_value;
  }
  return out;
}

}  // namespace loupe
