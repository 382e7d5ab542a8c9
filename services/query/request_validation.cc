#include "services/query/request_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"
#include "services/common/utf8.h"

namespace loupe::query {

absl::StatusOr<loupe::v1::SearchRequest> ValidateSearchRequest(
    const loupe::v1::SearchRequest& request, const SearchRequestLimits& limits) {
  FieldViolations violations;
  loupe::v1::SearchRequest valid = request;
  if (!IsValidUtf8(request.query())) {
    violations.Add("query", absl::StrCat("is not valid UTF-8 (first bad byte at position ",
                                         FirstInvalidUtf8Offset(request.query()), ")"));
  } else if (absl::StripAsciiWhitespace(request.query()).empty()) {
    violations.Add("query", "is required (empty query)");
  }
  if (valid.limit() == 0) valid.set_limit(kDefaultLimit);
  if (valid.limit() > limits.max_limit) {
    violations.Add(
        "limit", absl::StrCat("must be at most ", limits.max_limit, " (got ", valid.limit(), ")"));
  } else if (static_cast<uint64_t>(valid.offset()) + valid.limit() > kMaxResultWindow) {
    violations.Add("offset", absl::StrCat("offset + limit must be at most ", kMaxResultWindow,
                                          " (got ", valid.offset(), " + ", valid.limit(), ")"));
  }
  if (valid.snippet_chars() > kMaxSnippetChars) {
    violations.Add("snippet_chars", absl::StrCat("must be at most ", kMaxSnippetChars, " (got ",
                                                 valid.snippet_chars(), ")"));
  }
  if (!violations.empty()) return violations.ToStatus("invalid search request");
  return valid;
}

}  // namespace loupe::query
