#include "services/query/query_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

using ::testing::HasSubstr;

struct ValidCase {
  std::string query;
  // DebugString of the root group.
  std::string tree;
};

TEST(QueryParserTest, ValidQueries) {
  const std::vector<ValidCase> cases = {
      {"nvidia", "(nvidia)"},
      {"  nvidia   deepseek ", "(nvidia deepseek)"},
      {"+nvidia -amd", "(+nvidia -amd)"},
      {"title:nvidia body:chips", "(title:nvidia body:chips)"},
      {"TITLE:x", "(title:x)"},
      {"-title:amd x", "(-title:amd x)"},
      {"\"deep seek\"", "(\"deep seek\")"},
      {"-body:\"a b\"^2 x", "(-body:\"a b\"^2 x)"},
      {"nvidia^2.5", "(nvidia^2.5)"},
      {"a OR b", "((a b))"},
      {"a AND b", "(+a +b)"},
      {"a AND -b", "(+a -b)"},
      {"a NOT b", "(a -b)"},
      {"a b AND c d", "(a +b +c d)"},
      {"a OR b AND c", "((a (+b +c)))"},
      {"a and b or c", "(a and b or c)"},
      {"(a OR b) c", "((a b) c)"},
      {"+(a b)^2 -(c d)", "(+(a b)^2 -(c d))"},
      {"title:(a OR \"b c\")", "((title:a title:\"b c\"))"},
      {"deep* x", "(deep* x)"},
      {"nvidia source:BBC", "(nvidia #source:BBC)"},
      {"nvidia source:bbc OR source:afp", "(nvidia #(source:bbc source:afp))"},
      {"lang:fr tag:topic=ai tag:region", "(#lang:fr #tag:topic=ai #tag:region)"},
      {"source:\"le monde\" x", "(#source:le monde x)"},
      {"date>=2025-01-27", "(#date:[1737936000,*])"},
      {"date>2025-01-27", "(#date:[1738022400,*])"},
      {"date<2025-01-27", "(#date:[*,1737935999])"},
      {"date<=2025-01-27", "(#date:[*,1738022399])"},
      {"date:2025-01-27", "(#date:[1737936000,1738022399])"},
      {"date:[2025-01-01 TO 2025-02-01]", "(#date:[1735689600,1738454399])"},
      {"date:[* TO 2025-01-01]", "(#date:[*,1735775999])"},
      {"date>=2025-01-27T08:00:00Z", "(#date:[1737964800,*])"},
      {"open-source", "(open-source)"},
      {"16:30", "(16:30)"},
      {"https://example.com/x", "(https://example.com/x)"},
      {"été naïf", "(été naïf)"},
      {"a\tb\nc", "(a b c)"},
  };
  for (const ValidCase& test : cases) {
    absl::StatusOr<ParsedQuery> parsed = ParseQuery(test.query, QueryParserLimits{});
    ASSERT_TRUE(parsed.ok()) << test.query << ": " << parsed.status();
    EXPECT_EQ(DebugString(parsed->root), test.tree) << test.query;
  }
}

TEST(QueryParserTest, PositionsAreByteOffsets) {
  absl::StatusOr<ParsedQuery> parsed = ParseQuery("ab  -cd title:\"x\"", QueryParserLimits{});
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->root.children.size(), 3u);
  EXPECT_EQ(parsed->root.children[0].position, 0u);
  EXPECT_EQ(parsed->root.children[1].position, 4u);
  EXPECT_EQ(parsed->root.children[2].position, 8u);
}

struct InvalidCase {
  std::string query;
  size_t position;
  std::string reason;
};

TEST(QueryParserTest, InvalidQueriesNameThePosition) {
  const std::vector<InvalidCase> cases = {
      {"a \"b c", 2, "unbalanced quote"},
      {"title:\"x", 6, "unbalanced quote"},
      {"a -", 2, "dangling '-'"},
      {"a - b", 2, "dangling '-'"},
      {"+ b", 0, "dangling '+'"},
      {"+-b", 0, "dangling '+'"},
      {"foo:bar", 0, "unknown field 'foo' (known fields: title, body, source, lang, tag, date)"},
      {"title: x", 0, "empty value for field 'title'"},
      {"x body:", 2, "empty value for field 'body'"},
      {"title:^2", 0, "empty value for field 'title'"},
      {"x^", 1, "bad boost"},
      {"x^abc", 1, "bad boost"},
      {"x^0", 1, "bad boost"},
      {"x^-1", 1, "bad boost"},
      {"x^1001", 1, "bad boost"},
      {"x^nan", 1, "bad boost"},
      {"x^inf", 1, "bad boost"},
      {"^2", 0, "'^' (boost) must follow"},
      {"(a b", 0, "unbalanced parenthesis: '(' is not closed"},
      {"a (b (c)", 2, "'(' is not closed"},
      {"ab)", 2, "')' without '('"},
      {"()", 0, "empty group"},
      {"(-a) b", 0, "only excluded clauses"},
      {"-a -b", 0, "only excluded clauses"},
      {"AND a", 0, "'AND' must follow a term"},
      {"a OR", 2, "'OR' must be followed by a term"},
      {"a AND OR b", 2, "'AND' must be followed by a term"},
      {"a OR -b", 5, "cannot apply to an operand of OR"},
      {"*", 0, "prefix query"},
      {"a*b*", 0, "prefix query"},
      {"source:bbc^2", 10, "cannot be boosted"},
      {"tag:", 0, "empty value for field 'tag'"},
      {"date>=2025-13-01", 6, "bad date"},
      {"date:[2025-01-01 2025-02-01]", 5, "a date range is [FROM TO UNTIL]"},
      {"date:[2025-01-01 TO 2025-02-01", 5, "not closed"},
      {"date:[2025-03-01 TO 2025-02-01]", 0, "empty date range"},
      {"title:(source:bbc)", 7, "a filter cannot be inside a title:/body: group"},
      {"((((((((((a))))))))))", 8, "nested too deep (the limit is 8)"},
  };
  for (const InvalidCase& test : cases) {
    absl::StatusOr<ParsedQuery> parsed = ParseQuery(test.query, QueryParserLimits{});
    ASSERT_FALSE(parsed.ok()) << test.query;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << test.query;
    EXPECT_THAT(parsed.status().message(), HasSubstr(test.reason)) << test.query;
    EXPECT_THAT(parsed.status().message(), HasSubstr(absl::StrCat("at position ", test.position)))
        << test.query << ": " << parsed.status();
  }
}

TEST(QueryParserTest, QueryTooLong) {
  QueryParserLimits limits;
  limits.max_query_bytes = 10;
  EXPECT_TRUE(ParseQuery("0123456789", limits).ok());
  absl::StatusOr<ParsedQuery> parsed = ParseQuery("0123456789a", limits);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("query too long"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("at position 10"));
}

TEST(QueryParserTest, DefaultLimitIs4096Bytes) {
  EXPECT_TRUE(ParseQuery(std::string(4096, 'a'), QueryParserLimits{}).ok());
  EXPECT_FALSE(ParseQuery(std::string(4097, 'a'), QueryParserLimits{}).ok());
}

TEST(QueryParserTest, TooManyClausesAndDepthAreLimits) {
  QueryParserLimits limits;
  limits.max_clauses = 3;
  limits.max_depth = 2;
  EXPECT_TRUE(ParseQuery("a OR b source:x", limits).ok());
  absl::StatusOr<ParsedQuery> parsed = ParseQuery("a b c d", limits);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("too many clauses (the limit is 3) at position 6"));
  EXPECT_TRUE(ParseQuery("((a))", limits).ok());
  parsed = ParseQuery("((a) (((b))))", limits);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("nested too deep (the limit is 2) at position 6"));
}

}  // namespace
}  // namespace loupe::query
