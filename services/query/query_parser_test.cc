#include "services/query/query_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::query {
namespace {

using ::testing::HasSubstr;

using Kind = ParsedClause::Kind;

ParsedClause C(Kind kind, std::string text, Occur occur, FieldScope field, float boost,
               size_t position) {
  ParsedClause clause;
  clause.kind = kind;
  clause.text = std::move(text);
  clause.occur = occur;
  clause.field = field;
  clause.boost = boost;
  clause.position = position;
  return clause;
}

ParsedClause T(std::string text, size_t position, Occur occur = Occur::kShould,
               FieldScope field = FieldScope::kAll, float boost = 1.0f) {
  return C(Kind::kTerm, std::move(text), occur, field, boost, position);
}

ParsedClause P(std::string text, size_t position, Occur occur = Occur::kShould,
               FieldScope field = FieldScope::kAll, float boost = 1.0f) {
  return C(Kind::kPhrase, std::move(text), occur, field, boost, position);
}

std::string Describe(const ParsedClause& c) {
  return absl::StrCat(c.kind == Kind::kPhrase ? "phrase" : "term", "(", c.text,
                      ", occur=", static_cast<int>(c.occur), ", field=", FieldScopeName(c.field),
                      ", boost=", c.boost, ", pos=", c.position, ")");
}

struct ValidCase {
  std::string query;
  std::vector<ParsedClause> expected;
};

TEST(QueryParserTest, ValidQueries) {
  const std::vector<ValidCase> cases = {
      {"nvidia", {T("nvidia", 0)}},
      {"  nvidia   deepseek ", {T("nvidia", 2), T("deepseek", 11)}},
      {"+nvidia -amd", {T("nvidia", 0, Occur::kMust), T("amd", 8, Occur::kMustNot)}},
      {"title:nvidia body:chips",
       {T("nvidia", 0, Occur::kShould, FieldScope::kTitle),
        T("chips", 13, Occur::kShould, FieldScope::kBody)}},
      {"TITLE:x", {T("x", 0, Occur::kShould, FieldScope::kTitle)}},
      {"-title:amd", {T("amd", 0, Occur::kMustNot, FieldScope::kTitle)}},
      {"\"deep seek\"", {P("deep seek", 0)}},
      {"+\"deep seek\" x", {P("deep seek", 0, Occur::kMust), T("x", 13)}},
      {"-body:\"a b\"^2", {P("a b", 0, Occur::kMustNot, FieldScope::kBody, 2.0f)}},
      {"nvidia^2.5", {T("nvidia", 0, Occur::kShould, FieldScope::kAll, 2.5f)}},
      {"+title:chips^3", {T("chips", 0, Occur::kMust, FieldScope::kTitle, 3.0f)}},
      {"a OR b", {T("a", 0), T("b", 5)}},
      {"a AND b", {T("a", 0, Occur::kMust), T("b", 6, Occur::kMust)}},
      {"a AND -b", {T("a", 0, Occur::kMust), T("b", 6, Occur::kMustNot)}},
      {"a b AND c d", {T("a", 0), T("b", 2, Occur::kMust), T("c", 8, Occur::kMust), T("d", 10)}},
      {"a and b or c", {T("a", 0), T("and", 2), T("b", 6), T("or", 8), T("c", 11)}},
      {"open-source", {T("open-source", 0)}},
      {"16:30", {T("16:30", 0)}},
      {"https://example.com/x", {T("https://example.com/x", 0)}},
      {"été naïf", {T("été", 0), T("naïf", 6)}},
      {"foo\"bar baz\"", {T("foo", 0), P("bar baz", 3)}},
      {"\"\"", {P("", 0)}},
      {"a\tb\nc", {T("a", 0), T("b", 2), T("c", 4)}},
  };
  for (const ValidCase& test : cases) {
    absl::StatusOr<ParsedQuery> parsed = ParseQuery(test.query, QueryParserLimits{});
    ASSERT_TRUE(parsed.ok()) << test.query << ": " << parsed.status();
    ASSERT_EQ(parsed->clauses.size(), test.expected.size()) << test.query;
    for (size_t i = 0; i < test.expected.size(); ++i) {
      EXPECT_EQ(parsed->clauses[i], test.expected[i])
          << test.query << " clause " << i << ": got " << Describe(parsed->clauses[i]) << ", want "
          << Describe(test.expected[i]);
    }
  }
}

struct InvalidCase {
  std::string query;
  size_t position;
  std::string reason;  // A substring of the message.
};

TEST(QueryParserTest, InvalidQueriesNameThePosition) {
  const std::vector<InvalidCase> cases = {
      {"a \"b c", 2, "unbalanced quote"},
      {"title:\"x", 6, "unbalanced quote"},
      {"a -", 2, "dangling '-'"},
      {"a - b", 2, "dangling '-'"},
      {"+ b", 0, "dangling '+'"},
      {"+-b", 0, "dangling '+'"},
      {"foo:bar", 0, "unknown field 'foo' (known fields: title, body)"},
      {"x lang:fr", 2, "unknown field 'lang'"},
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
      {"(a b)", 0, "parentheses are not supported yet"},
      {"a (b)", 2, "parentheses are not supported yet"},
      {"ab)", 2, "parentheses are not supported yet"},
      {"title:(a)", 6, "parentheses are not supported yet"},
      {"AND a", 0, "'AND' must follow a term"},
      {"a OR", 2, "'OR' must be followed by a term"},
      {"a AND OR b", 6, "'OR' must follow a term"},
      {"nvid*", 4, "prefix queries"},
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
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("query too long"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("at position 10"));
}

TEST(QueryParserTest, DefaultLimitIs4096Bytes) {
  EXPECT_TRUE(ParseQuery(std::string(4096, 'a'), QueryParserLimits{}).ok());
  EXPECT_FALSE(ParseQuery(std::string(4097, 'a'), QueryParserLimits{}).ok());
}

TEST(QueryParserTest, TooManyClauses) {
  QueryParserLimits limits;
  limits.max_clauses = 3;
  EXPECT_TRUE(ParseQuery("a b c", limits).ok());
  absl::StatusOr<ParsedQuery> parsed = ParseQuery("a b c dd", limits);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("too many clauses (the limit is 3)"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("at position 6"));
}

}  // namespace
}  // namespace loupe::query
