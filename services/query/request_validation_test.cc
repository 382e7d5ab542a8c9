#include "services/query/request_validation.h"

#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/common/status_util.h"

namespace loupe::query {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

loupe::v1::SearchRequest Request(std::string query, uint32_t limit = 0, uint32_t offset = 0,
                                 uint32_t snippet_chars = 0) {
  loupe::v1::SearchRequest request;
  request.set_query(std::move(query));
  request.set_limit(limit);
  request.set_offset(offset);
  request.set_snippet_chars(snippet_chars);
  return request;
}

std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return fields;
  google::rpc::BadRequest bad_request;
  bad_request.ParseFromString(std::string(*payload));
  for (const auto& violation : bad_request.field_violations()) fields.push_back(violation.field());
  return fields;
}

TEST(RequestValidationTest, DefaultsAndBounds) {
  absl::StatusOr<loupe::v1::SearchRequest> valid =
      ValidateSearchRequest(Request("nvidia"), SearchRequestLimits{});
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->limit(), 10u);
  EXPECT_TRUE(ValidateSearchRequest(Request("x", 1000, 9000, 2000), SearchRequestLimits{}).ok());
}

TEST(RequestValidationTest, NamesEveryBadField) {
  struct Case {
    loupe::v1::SearchRequest request;
    std::vector<std::string> fields;
  };
  const std::vector<Case> cases = {
      {Request(""), {"query"}},
      {Request("  \t"), {"query"}},
      {Request("caf\xc3"), {"query"}},
      {Request("x", 1001), {"limit"}},
      {Request("x", 1000, 9001), {"offset"}},
      {Request("x", 0, 9991), {"offset"}},
      {Request("x", 10, 0, 2001), {"snippet_chars"}},
      {Request("", 5000, 0, 5000), {"query", "limit", "snippet_chars"}},
  };
  for (const Case& test : cases) {
    absl::StatusOr<loupe::v1::SearchRequest> valid =
        ValidateSearchRequest(test.request, SearchRequestLimits{});
    ASSERT_FALSE(valid.ok()) << test.request.ShortDebugString();
    EXPECT_EQ(valid.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(BadFields(valid.status()), UnorderedElementsAreArray(test.fields))
        << valid.status();
  }
}

TEST(RequestValidationTest, InvalidUtf8GivesTheOffset) {
  absl::StatusOr<loupe::v1::SearchRequest> valid =
      ValidateSearchRequest(Request("ab\xff"), SearchRequestLimits{});
  ASSERT_FALSE(valid.ok());
  EXPECT_THAT(valid.status().message(), HasSubstr("position 2"));
}

TEST(RequestValidationTest, MaxLimitIsConfigurable) {
  SearchRequestLimits limits;
  limits.max_limit = 50;
  EXPECT_TRUE(ValidateSearchRequest(Request("x", 50), limits).ok());
  EXPECT_FALSE(ValidateSearchRequest(Request("x", 51), limits).ok());
}

}  // namespace
}  // namespace loupe::query
