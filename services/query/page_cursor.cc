#include "services/query/page_cursor.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/common/hashing.h"
#include "services/common/status_util.h"

namespace loupe::query {
namespace {

// Deterministic bytes of a message (map order fixed).
std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

}  // namespace

uint64_t RequestFingerprint(const loupe::v1::SearchRequest& request) {
  loupe::v1::SearchRequest key;
  key.set_query(request.query());
  key.set_lang(request.lang());
  *key.mutable_filters() = request.filters();
  key.set_sort(request.sort());
  return Fingerprint64(DeterministicBytes(key));
}

std::string EncodePageToken(const storage::v1::PageCursor& cursor) {
  return absl::WebSafeBase64Escape(DeterministicBytes(cursor));
}

absl::StatusOr<storage::v1::PageCursor> DecodePageToken(absl::string_view token,
                                                        uint64_t expected_hash) {
  std::string bytes;
  storage::v1::PageCursor cursor;
  if (!absl::WebSafeBase64Unescape(token, &bytes) || !cursor.ParseFromString(bytes) ||
      cursor.format() != kPageCursorFormat) {
    return InvalidField("page_token", "is not a page token issued by this service");
  }
  if (cursor.request_hash() != expected_hash) {
    return InvalidField("page_token",
                        "belongs to another query, lang, filters or sort; start again "
                        "without a token");
  }
  return cursor;
}

}  // namespace loupe::query
