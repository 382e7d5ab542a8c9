#include "tools/cli/json_document.h"

#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace loupe::cli {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Long free-text fields that are never turned into tags, however short.
const std::set<std::string>& ProseKeys() {
  static const auto* keys = new std::set<std::string>{
      "abstract", "summary", "description", "content", "excerpt", "snippet", "html"};
  return *keys;
}

// The string value of `key`; nullopt when absent or null. Error when the
// value has another type (integers are accepted when `allow_integer`).
absl::Status StringField(const Struct& object, const std::string& key, bool allow_integer,
                         std::optional<std::string>* out) {
  auto it = object.fields().find(key);
  if (it == object.fields().end()) return absl::OkStatus();
  const Value& value = it->second;
  switch (value.kind_case()) {
    case Value::kNullValue:
      return absl::OkStatus();
    case Value::kStringValue:
      *out = value.string_value();
      return absl::OkStatus();
    case Value::kNumberValue: {
      const double number = value.number_value();
      if (allow_integer && std::floor(number) == number && std::fabs(number) < 9.007e15) {
        *out = absl::StrCat(static_cast<int64_t>(number));
        return absl::OkStatus();
      }
      break;
    }
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", key, "\" must be a string", allow_integer ? " or an integer" : ""));
}

// The first present key among `keys` (integers accepted when `allow_integer`).
absl::Status FirstStringField(const Struct& object, std::initializer_list<const char*> keys,
                              std::optional<std::string>* out, bool allow_integer = false) {
  for (const char* key : keys) {
    if (absl::Status status = StringField(object, key, allow_integer, out); !status.ok()) {
      return status;
    }
    if (out->has_value()) return absl::OkStatus();
  }
  return absl::OkStatus();
}

bool IsKnownKey(const std::string& key) {
  static const auto* known = new std::set<std::string>{
      "id", "_id", "title", "text", "body", "url", "source", "lang", "content_type",
      "date", "published_at", "tags"};
  return known->count(key) > 0;
}

bool IsTagLike(const std::string& key, const Value& value) {
  if (value.kind_case() != Value::kStringValue) return false;
  const std::string& text = value.string_value();
  return !text.empty() && text.size() <= kMaxTagValueBytes && key.size() <= kMaxTagKeyBytes &&
         text.find('\n') == std::string::npos && ProseKeys().count(key) == 0;
}

}  // namespace

std::optional<absl::Time> ParseDocumentDate(absl::string_view text) {
  static const char* const kFormats[] = {
      "%Y-%m-%d",
      "%Y-%m-%d%ET%H:%M:%E*S%Ez",  // RFC 3339, "Z" or "+02:00"
      "%Y-%m-%d%ET%H:%M%Ez",
      "%Y-%m-%d%ET%H:%M:%E*S",     // no zone: UTC
      "%Y-%m-%d%ET%H:%M",
      "%Y-%m-%d %H:%M:%E*S%Ez",
      "%Y-%m-%d %H:%M:%E*S %Ez",
      "%Y-%m-%d %H:%M:%E*S",
      "%Y-%m-%d %H:%M",
      "%a, %d %b %Y %H:%M:%S %z",  // RFC 1123 (RSS feeds)
      "%a, %d %b %Y %H:%M:%S GMT",
      "%d %b %Y %H:%M:%S %z",
  };
  for (const char* format : kFormats) {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(format, std::string(text), absl::UTCTimeZone(), &time, &error)) {
      continue;
    }
    const int64_t year = absl::ToCivilYear(time, absl::UTCTimeZone()).year();
    if (year < 1900 || year >= 2200) return std::nullopt;
    return time;
  }
  return std::nullopt;
}

absl::Status JsonLineToDocument(absl::string_view line, loupe::v1::Document* document,
                                std::vector<std::string>* warnings) {
  Struct object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &object, options);
  if (!parsed.ok()) {
    // protobuf's message may continue with a caret diagram on later lines.
    const absl::string_view message(parsed.message().data(), parsed.message().size());
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON: ", absl::StripAsciiWhitespace(message.substr(0, message.find('\n')))));
  }

  std::optional<std::string> id, title, body, url, source, lang, content_type, date;
  for (absl::Status status : {
           // "_id": BEIR's files, which the peers' harness reads too.
           FirstStringField(object, {"id", "_id"}, &id, /*allow_integer=*/true),
           StringField(object, "title", false, &title),
           FirstStringField(object, {"text", "body"}, &body),
           StringField(object, "url", false, &url),
           StringField(object, "source", false, &source),
           StringField(object, "lang", false, &lang),
           StringField(object, "content_type", false, &content_type),
           FirstStringField(object, {"date", "published_at"}, &date),
       }) {
    if (!status.ok()) return status;
  }
  // loupe-ingest requires a body or a title (a headline alone); failing
  // here names the line and lets --skip_bad_lines skip it instead of losing
  // the whole batch.
  const auto blank = [](const std::optional<std::string>& text) {
    return !text || absl::StripAsciiWhitespace(*text).empty();
  };
  if (blank(body) && blank(title)) {
    return absl::InvalidArgumentError("\"text\" is missing or empty, and so is \"title\"");
  }
  document->Clear();
  if (id) document->set_id(*id);
  if (title) document->set_title(*title);
  if (body) document->set_body(*body);
  if (url) document->set_url(*url);
  if (source) document->set_source(*source);
  if (lang) document->set_lang(*lang);
  if (content_type) document->set_content_type(*content_type);
  if (date && !date->empty()) {
    if (std::optional<absl::Time> time = ParseDocumentDate(*date)) {
      const int64_t seconds = absl::ToUnixSeconds(*time);
      document->mutable_published_at()->set_seconds(seconds);
      document->mutable_published_at()->set_nanos(static_cast<int32_t>(
          absl::ToInt64Nanoseconds(*time - absl::FromUnixSeconds(seconds))));
    } else {
      warnings->push_back(absl::StrFormat(
          "unparsable date \"%s\" (expected ISO-8601 or YYYY-MM-DD, years 1900-2199); "
          "sent without a date",
          *date));
    }
  }

  auto& tags = *document->mutable_tags();
  if (auto it = object.fields().find("tags"); it != object.fields().end() &&
                                               it->second.kind_case() != Value::kNullValue) {
    if (it->second.kind_case() != Value::kStructValue) {
      return absl::InvalidArgumentError("\"tags\" must be an object of strings");
    }
    for (const auto& [key, value] : it->second.struct_value().fields()) {
      if (value.kind_case() != Value::kStringValue) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"tags.", key, "\" must be a string"));
      }
      tags[key] = value.string_value();
    }
  }
  // Other short strings ("category", "author", ...) become tags, in key order
  // so that the cap keeps the same ones every time.
  std::map<std::string, const Value*> extra;
  for (const auto& [key, value] : object.fields()) {
    if (!IsKnownKey(key) && IsTagLike(key, value)) extra[key] = &value;
  }
  for (const auto& [key, value] : extra) {
    if (static_cast<int>(tags.size()) >= kMaxTags) break;
    tags.insert({key, value->string_value()});
  }
  return absl::OkStatus();
}

}  // namespace loupe::cli
