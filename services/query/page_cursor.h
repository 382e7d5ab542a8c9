// The opaque SearchResponse.next_page_token: a PageCursor record
// (loupe/storage/v1/query_storage.proto) in unpadded base64url. It carries
// the last hit's sort key, a fingerprint of the request it belongs to, and
// the global statistics and prefix expansions page 1 was scored with, so
// that every later page scores each document exactly as page 1 did: pages
// neither repeat nor skip a document that existed, even while documents are
// added (those appear wherever they rank after the cursor).
//
//   const uint64_t hash = RequestFingerprint(request);
//   std::string token = EncodePageToken(cursor);            // cursor.request_hash = hash
//   absl::StatusOr<storage::v1::PageCursor> back = DecodePageToken(token, hash);
#ifndef LOUPE_SERVICES_QUERY_PAGE_CURSOR_H_
#define LOUPE_SERVICES_QUERY_PAGE_CURSOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/storage/v1/query_storage.pb.h"
#include "loupe/v1/query.pb.h"

namespace loupe::query {

inline constexpr uint32_t kPageCursorFormat = 1;

// Fingerprint of what decides a result list: query, lang, filters, sort.
uint64_t RequestFingerprint(const loupe::v1::SearchRequest& request);

std::string EncodePageToken(const storage::v1::PageCursor& cursor);

// INVALID_ARGUMENT on field "page_token" when the token is not one this
// service issued, or was issued for another query, lang, filters or sort.
absl::StatusOr<storage::v1::PageCursor> DecodePageToken(absl::string_view token,
                                                        uint64_t expected_hash);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_PAGE_CURSOR_H_
