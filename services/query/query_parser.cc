#include "services/query/query_parser.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"

namespace loupe::query {
namespace {

constexpr absl::string_view kKnownFields = "title, body";

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Characters that end a bare term.
bool EndsTerm(char c) { return IsSpace(c) || c == '"' || c == '(' || c == ')' || c == '^'; }

absl::Status ErrorAt(size_t position, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(reason, " at position ", position));
}

// One pass over the query; clause by clause.
class Parser {
 public:
  Parser(absl::string_view query, const QueryParserLimits& limits)
      : query_(query), limits_(limits) {}

  absl::StatusOr<ParsedQuery> Parse() {
    if (query_.size() > limits_.max_query_bytes) {
      return ErrorAt(limits_.max_query_bytes,
                     absl::StrCat("query too long (", query_.size(), " bytes, the limit is ",
                                  limits_.max_query_bytes, ")"));
    }
    while (true) {
      SkipSpaces();
      if (AtEnd()) break;
      const size_t start = pos_;
      const absl::string_view word = PeekWord();
      if (word == "AND" || word == "OR") {
        LOUPE_RETURN_IF_ERROR(Operator(word, start));
        continue;
      }
      ParsedClause clause;
      LOUPE_RETURN_IF_ERROR(Clause(&clause));
      if (pending_and_ && clause.occur == Occur::kShould) clause.occur = Occur::kMust;
      pending_and_ = false;
      pending_operator_ = {};
      parsed_.clauses.push_back(std::move(clause));
      if (parsed_.clauses.size() > limits_.max_clauses) {
        return ErrorAt(start,
                       absl::StrCat("too many clauses (the limit is ", limits_.max_clauses, ")"));
      }
    }
    if (!pending_operator_.empty()) {
      return ErrorAt(pending_operator_position_,
                     absl::StrCat("'", pending_operator_, "' must be followed by a term"));
    }
    return std::move(parsed_);
  }

 private:
  bool AtEnd() const { return pos_ >= query_.size(); }
  char Peek() const { return query_[pos_]; }

  void SkipSpaces() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  // The run of non-space bytes at pos_.
  absl::string_view PeekWord() const {
    size_t end = pos_;
    while (end < query_.size() && !IsSpace(query_[end])) ++end;
    return query_.substr(pos_, end - pos_);
  }

  // AND / OR between two clauses. OR is the default, so it only needs a
  // clause on each side; AND makes the clause before it and the one after
  // it MUST (excluded clauses stay excluded).
  absl::Status Operator(absl::string_view word, size_t start) {
    if (parsed_.clauses.empty() || !pending_operator_.empty()) {
      return ErrorAt(start, absl::StrCat("'", word, "' must follow a term"));
    }
    if (word == "AND") {
      ParsedClause& previous = parsed_.clauses.back();
      if (previous.occur == Occur::kShould) previous.occur = Occur::kMust;
      pending_and_ = true;
    }
    pending_operator_ = std::string(word);
    pending_operator_position_ = start;
    pos_ += word.size();
    return absl::OkStatus();
  }

  absl::Status Clause(ParsedClause* clause) {
    clause->position = pos_;
    if (Peek() == '+' || Peek() == '-') {
      const char op = Peek();
      clause->occur = op == '+' ? Occur::kMust : Occur::kMustNot;
      ++pos_;
      if (AtEnd() || IsSpace(Peek()) || Peek() == '+' || Peek() == '-') {
        return ErrorAt(clause->position,
                       absl::StrCat("dangling '", std::string(1, op),
                                    "': it must be followed by a term, a field or a phrase"));
      }
    }
    LOUPE_RETURN_IF_ERROR(FieldPrefix(clause));
    if (AtEnd()) return absl::OkStatus();  // Unreachable: FieldPrefix checks the value.
    if (Peek() == '(' || Peek() == ')') return Parenthesis();
    if (Peek() == '"') {
      LOUPE_RETURN_IF_ERROR(Phrase(clause));
    } else {
      LOUPE_RETURN_IF_ERROR(Term(clause));
    }
    return Boost(clause);
  }

  absl::Status Parenthesis() const { return ErrorAt(pos_, "parentheses are not supported yet"); }

  // `name:` where name is an ASCII identifier. "16:30" (starts with a digit)
  // and "http://..." (':' followed by '/') are terms, not fields.
  absl::Status FieldPrefix(ParsedClause* clause) {
    const size_t start = pos_;
    size_t end = pos_;
    if (end >= query_.size() || !(absl::ascii_isalpha(query_[end]) || query_[end] == '_')) {
      return absl::OkStatus();
    }
    while (end < query_.size() && (absl::ascii_isalnum(query_[end]) || query_[end] == '_')) ++end;
    if (end >= query_.size() || query_[end] != ':') return absl::OkStatus();
    if (end + 1 < query_.size() && query_[end + 1] == '/') return absl::OkStatus();
    const std::string name = absl::AsciiStrToLower(query_.substr(start, end - start));
    if (name == "title") {
      clause->field = FieldScope::kTitle;
    } else if (name == "body") {
      clause->field = FieldScope::kBody;
    } else {
      return ErrorAt(start, absl::StrCat("unknown field '", query_.substr(start, end - start),
                                         "' (known fields: ", kKnownFields, ")"));
    }
    pos_ = end + 1;
    if (AtEnd() || IsSpace(Peek()) || Peek() == '^') {
      return ErrorAt(start, absl::StrCat("empty value for field '", name, "'"));
    }
    return absl::OkStatus();
  }

  absl::Status Phrase(ParsedClause* clause) {
    const size_t open = pos_;
    const size_t close = query_.find('"', open + 1);
    if (close == absl::string_view::npos) {
      return ErrorAt(open, "unbalanced quote: the phrase is not closed");
    }
    clause->kind = ParsedClause::Kind::kPhrase;
    clause->text = std::string(query_.substr(open + 1, close - open - 1));
    pos_ = close + 1;
    return absl::OkStatus();
  }

  absl::Status Term(ParsedClause* clause) {
    const size_t start = pos_;
    while (!AtEnd() && !EndsTerm(Peek())) ++pos_;
    if (!AtEnd() && (Peek() == '(' || Peek() == ')')) return Parenthesis();
    if (pos_ == start) return ErrorAt(start, "'^' (boost) must follow a term or a phrase");
    const absl::string_view text = query_.substr(start, pos_ - start);
    if (text.back() == '*') {
      return ErrorAt(pos_ - 1, "prefix queries (term*) are not supported yet");
    }
    clause->text = std::string(text);
    return absl::OkStatus();
  }

  // Optional `^number` right after a term or a phrase.
  absl::Status Boost(ParsedClause* clause) {
    if (AtEnd() || Peek() != '^') return absl::OkStatus();
    const size_t caret = pos_;
    ++pos_;
    const size_t start = pos_;
    while (!AtEnd() && !EndsTerm(Peek())) ++pos_;
    const absl::string_view number = query_.substr(start, pos_ - start);
    float boost = 0;
    if (number.empty() || !absl::SimpleAtof(number, &boost) || !std::isfinite(boost) ||
        boost <= 0 || boost > kMaxBoost) {
      return ErrorAt(caret, absl::StrCat("bad boost '^", number,
                                         "': expected a number > 0 and <= ", kMaxBoost));
    }
    clause->boost = boost;
    return absl::OkStatus();
  }

  absl::string_view query_;
  QueryParserLimits limits_;
  size_t pos_ = 0;
  ParsedQuery parsed_;
  // The clause after AND becomes MUST.
  bool pending_and_ = false;
  // "AND" / "OR" waiting for its right-hand clause, or empty.
  std::string pending_operator_;
  size_t pending_operator_position_ = 0;
};

}  // namespace

absl::StatusOr<ParsedQuery> ParseQuery(absl::string_view query, const QueryParserLimits& limits) {
  return Parser(query, limits).Parse();
}

absl::string_view FieldScopeName(FieldScope field) {
  switch (field) {
    case FieldScope::kTitle:
      return "title";
    case FieldScope::kBody:
      return "body";
    case FieldScope::kAll:
      break;
  }
  return "";
}

}  // namespace loupe::query
