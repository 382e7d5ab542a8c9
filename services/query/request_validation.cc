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
    const loupe::v1::SearchFilters& filters = request.filters();
    if (filters.sources_size() == 0 && filters.langs_size() == 0 && filters.tags_size() == 0 &&
        !filters.has_published_after() && !filters.has_published_before()) {
      violations.Add("query", "is required (empty query and no filters)");
    }
  }
  if (!loupe::v1::SortOrder_IsValid(request.sort())) {
    violations.Add("sort", absl::StrCat("is not a known SortOrder (", request.sort(), ")"));
  }
  if (request.page_token().size() > kMaxPageTokenBytes) {
    violations.Add("page_token", "is too long to be a token this service issued");
  }
  if (!request.page_token().empty() && request.offset() != 0) {
    violations.Add("offset", "must be 0 with a page_token (the token says where the page starts)");
  }
  if (valid.limit() == 0) valid.set_limit(kDefaultLimit);
  if (valid.limit() > limits.max_limit) {
    violations.Add(
        "limit", absl::StrCat("must be at most ", limits.max_limit, " (got ", valid.limit(), ")"));
  } else if (static_cast<uint64_t>(valid.offset()) + valid.limit() > limits.max_result_window) {
    violations.Add("offset", absl::StrCat("offset + limit must be at most ",
                                          limits.max_result_window, " (got ", valid.offset(),
                                          " + ", valid.limit(),
                                          "); page deeper with next_page_token"));
  }
  if (valid.snippet_chars() > kMaxSnippetChars) {
    violations.Add("snippet_chars", absl::StrCat("must be at most ", kMaxSnippetChars, " (got ",
                                                 valid.snippet_chars(), ")"));
  }
  if (!violations.empty()) return violations.ToStatus("invalid search request");
  return valid;
}

}  // namespace loupe::query
