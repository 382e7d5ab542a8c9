// Parses the text of a search query into a typed tree (ParsedQuery), with no
// analysis and no gRPC. The plan builder (plan_builder.h) analyses it.
//
// Syntax (README "Query syntax"):
//   nvidia deepseek        terms; the default operator is OR and every term
//                          counts in the ranking (BM25 summed)
//   +nvidia  -nvidia       required / excluded
//   a AND b                both required (binds tighter than OR)
//   a OR b                 at least one (binds tighter than juxtaposition)
//   ( ... )                grouping, nesting at most `max_depth` levels
//   "exact phrase"         consecutive positions (stop words keep theirs)
//   title:x  body:x        field scope; also title:"a b", title:(a OR b)
//   deep*                  prefix, expanded against the shards' terms
//   x^2  "a b"^2  (a b)^2  boost, a number > 0 and <= 1000
//   source:bbc  lang:fr    filters (never scored): exact source / language;
//   tag:topic=ai tag:topic tag with that value / tag present (any value)
//   date>=2025-01-27 date<2025-02-01 date:2025-01-27
//   date:[2025-01-01 TO 2025-02-01]   days in UTC, both ends inclusive ('*'
//                          for an open end); RFC 3339 times are exact
// In a run of clauses, a filter (or a group of filters only) is required: it
// restricts, so `nvidia source:bbc` is "nvidia, among bbc documents", and
// `nvidia source:bbc OR source:afp` is "nvidia, among bbc or afp".
// AND/OR/NOT are operators only in upper case; NOT x is -x.
//
// Contract: every error is absl::InvalidArgumentError whose message says why
// and "at position N", N being a byte offset into the query.
//
//   absl::StatusOr<ParsedQuery> parsed = ParseQuery("+nvidia -title:amd", limits);
//   // parsed->root: group {MUST term "nvidia"; MUST_NOT term "amd" title}
#ifndef LOUPE_SERVICES_QUERY_QUERY_PARSER_H_
#define LOUPE_SERVICES_QUERY_QUERY_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loupe::query {

// How a node takes part in its group. kFilter: required, not scored.
enum class Occur { kShould, kMust, kMustNot, kFilter };

// Which text fields a text node searches.
enum class FieldScope { kAll, kTitle, kBody };

enum class KeywordField { kSource, kLang, kTag };

struct ParsedNode {
  enum class Kind { kTerm, kPhrase, kPrefix, kKeyword, kDate, kGroup };
  Kind kind = Kind::kTerm;
  Occur occur = Occur::kShould;
  // Term: the word as typed; phrase: the text between the quotes; prefix:
  // the text before '*'; keyword: the value. Not analysed.
  std::string text;
  FieldScope field = FieldScope::kAll;
  KeywordField keyword = KeywordField::kSource;
  // Date: inclusive bounds in Unix seconds (absent = open).
  std::optional<int64_t> min_seconds;
  std::optional<int64_t> max_seconds;
  float boost = 1.0f;
  // Byte offset of the node's first character (operator included).
  size_t position = 0;
  // Group: its clauses.
  std::vector<ParsedNode> children;

  // True for filters and groups whose positive clauses are all filters.
  bool IsFilterOnly() const;
};

struct ParsedQuery {
  // Always a group.
  ParsedNode root;
};

struct QueryParserLimits {
  // Longest query, in bytes.
  size_t max_query_bytes = 4096;
  // Most leaves (terms, phrases, prefixes, filters) in one query.
  size_t max_clauses = 64;
  // Deepest nesting of parentheses.
  size_t max_depth = 8;
};

// Largest accepted boost.
inline constexpr float kMaxBoost = 1000.0f;

absl::StatusOr<ParsedQuery> ParseQuery(absl::string_view query, const QueryParserLimits& limits);

// "title", "body" or "" (all fields), for messages and tests.
absl::string_view FieldScopeName(FieldScope field);

// A compact rendering of a tree for tests and logs, e.g.
// "(+nvidia -title:amd #source:bbc)"; occurs: "" SHOULD, + MUST, - MUST_NOT,
// # FILTER.
std::string DebugString(const ParsedNode& node);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_QUERY_PARSER_H_
