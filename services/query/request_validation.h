// Validation of a public SearchRequest before it reaches the engine, with
// every problem reported at once as INVALID_ARGUMENT + google.rpc.BadRequest
// (field path and reason). Fills defaults: limit 0 -> 10.
//
//   absl::StatusOr<loupe::v1::SearchRequest> valid =
//       ValidateSearchRequest(request, SearchRequestLimits{});
//   if (!valid.ok()) return ToGrpcStatus(valid.status());
#ifndef LOUPE_SERVICES_QUERY_REQUEST_VALIDATION_H_
#define LOUPE_SERVICES_QUERY_REQUEST_VALIDATION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "loupe/v1/query.pb.h"

namespace loupe::query {

inline constexpr uint32_t kDefaultLimit = 10;
// offset + limit: deepest hit a client can page to (the shards' top-k bound).
inline constexpr uint32_t kMaxResultWindow = 10000;
inline constexpr uint32_t kMaxSnippetChars = 2000;

// Longest accepted page_token, in bytes.
inline constexpr size_t kMaxPageTokenBytes = 65536;

struct SearchRequestLimits {
  // Largest `limit` (--max_limit).
  uint32_t max_limit = 1000;
  // Largest offset + limit (--max_result_window, at most kMaxResultWindow).
  uint32_t max_result_window = kMaxResultWindow;
};

// The request with defaults filled in, or INVALID_ARGUMENT naming each bad
// field: query (empty without filters, invalid UTF-8), limit, offset (also
// non-zero with a page_token), snippet_chars, sort, page_token. The
// query's syntax is checked later, by the parser.
absl::StatusOr<loupe::v1::SearchRequest> ValidateSearchRequest(
    const loupe::v1::SearchRequest& request, const SearchRequestLimits& limits);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_REQUEST_VALIDATION_H_
