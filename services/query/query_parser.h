// Parses the text of a search query into a typed ParsedQuery (no analysis,
// no gRPC). The plan builder (plan_builder.h) analyses the result.
//
// Syntax (whitespace separates clauses):
//   nvidia            SHOULD: optional, ranked (OR is the default)
//   +nvidia           MUST: every hit contains it
//   -nvidia           MUST_NOT: no hit contains it
//   title:nvidia      scoped to one field; known fields: title, body
//   "deep seek"       a phrase. For now its words become MUST clauses (the
//                     words must all occur, not necessarily adjacent);
//                     phrase positions come in a later issue.
//   nvidia^2.5        boost (a number > 0 and <= 1000), also on phrases
//   a AND b           both sides become MUST (excluded sides stay excluded);
//                     `a OR b` is the default and changes nothing. Only the
//                     upper-case words are operators; "and"/"or" are terms.
//   ( ... )           not supported yet: INVALID_ARGUMENT.
//   term*             prefix queries are not supported yet: INVALID_ARGUMENT.
// Operators combine as in `-title:"deep seek"^2`.
//
// Contract: every error is absl::InvalidArgumentError whose message says why
// and "at position N", N being a byte offset into the query.
//
//   QueryParserLimits limits;  // max_query_bytes 4096, max_clauses 64
//   absl::StatusOr<ParsedQuery> parsed = ParseQuery("+nvidia -title:amd", limits);
//   // parsed->clauses: {kTerm "nvidia" MUST all-fields}, {kTerm "amd" MUST_NOT title}
#ifndef LOUPE_SERVICES_QUERY_QUERY_PARSER_H_
#define LOUPE_SERVICES_QUERY_QUERY_PARSER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loupe::query {

enum class Occur { kShould, kMust, kMustNot };

// Which text fields a clause searches.
enum class FieldScope { kAll, kTitle, kBody };

struct ParsedClause {
  enum class Kind { kTerm, kPhrase };
  Kind kind = Kind::kTerm;
  // The word as typed (without operator, field or boost), or for a phrase
  // the text between the quotes. Not analysed yet.
  std::string text;
  Occur occur = Occur::kShould;
  FieldScope field = FieldScope::kAll;
  float boost = 1.0f;
  // Byte offset of the clause's first character (operator included).
  size_t position = 0;

  bool operator==(const ParsedClause& other) const {
    return kind == other.kind && text == other.text && occur == other.occur &&
           field == other.field && boost == other.boost && position == other.position;
  }
};

struct ParsedQuery {
  std::vector<ParsedClause> clauses;
};

struct QueryParserLimits {
  // Longest query, in bytes.
  size_t max_query_bytes = 4096;
  // Most clauses (terms and phrases) in one query.
  size_t max_clauses = 64;
};

// Largest accepted boost.
inline constexpr float kMaxBoost = 1000.0f;

absl::StatusOr<ParsedQuery> ParseQuery(absl::string_view query, const QueryParserLimits& limits);

// "title", "body" or "" (all fields), for messages and tests.
absl::string_view FieldScopeName(FieldScope field);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_QUERY_PARSER_H_
