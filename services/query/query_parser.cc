#include "services/query/query_parser.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/status_util.h"

namespace loupe::query {
namespace {

constexpr absl::string_view kKnownFields = "title, body, source, lang, tag, date";
constexpr int64_t kSecondsPerDay = 86400;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Characters that end a bare term.
bool EndsTerm(char c) { return IsSpace(c) || c == '"' || c == '(' || c == ')' || c == '^'; }

absl::Status ErrorAt(size_t position, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(reason, " at position ", position));
}

// A date or time as the half-open interval [begin, end) it names, in Unix
// seconds: "2025-01-27" is that UTC day; an RFC 3339 time is one second.
struct Interval {
  int64_t begin = 0;
  int64_t end = 0;
};

bool ParseDateText(absl::string_view text, Interval* interval) {
  absl::Time time;
  std::string error;
  if (text.size() == 10 && absl::ParseTime("%Y-%m-%d", std::string(text), absl::UTCTimeZone(),
                                           &time, &error)) {
    interval->begin = absl::ToUnixSeconds(time);
    interval->end = interval->begin + kSecondsPerDay;
    return true;
  }
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    interval->begin = absl::ToUnixSeconds(time);
    interval->end = interval->begin + 1;
    return true;
  }
  return false;
}

// One clause of a run before its occur is decided: `op` is '+', '-' or 0;
// `and_operands` holds the operands of an AND chain (then `node` is unused).
struct Item {
  ParsedNode node;
  char op = 0;
  std::vector<Item> and_operands;
};

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
    ParsedQuery parsed;
    LOUPE_RETURN_IF_ERROR(Sequence(/*depth=*/0, /*open=*/0, &parsed.root));
    if (parsed.root.children.empty()) return ErrorAt(0, "the query has no clause");
    return parsed;
  }

 private:
  bool AtEnd() const { return pos_ >= query_.size(); }
  char Peek() const { return query_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }
  // The operator word at pos_ ("AND", "OR", "NOT") when followed by a space,
  // '(' , '"', '+', '-' or the end; else "".
  absl::string_view PeekOperator() const {
    for (absl::string_view word : {"AND", "OR", "NOT"}) {
      if (query_.substr(pos_, word.size()) != word) continue;
      const size_t after = pos_ + word.size();
      if (after == query_.size() || IsSpace(query_[after]) || query_[after] == '(' ||
          query_[after] == '"') {
        return word;
      }
    }
    return "";
  }

  // A run of clauses up to the end or the ')' closing the '(' at `open`.
  absl::Status Sequence(size_t depth, size_t open, ParsedNode* group) {
    group->kind = ParsedNode::Kind::kGroup;
    while (true) {
      SkipSpaces();
      if (AtEnd()) {
        if (depth > 0) return ErrorAt(open, "unbalanced parenthesis: '(' is not closed");
        break;
      }
      if (Peek() == ')') {
        if (depth == 0) return ErrorAt(pos_, "unbalanced parenthesis: ')' without '('");
        break;
      }
      Item item;
      LOUPE_RETURN_IF_ERROR(Disjunction(depth, &item));
      Place(std::move(item), group);
    }
    if (group->children.empty()) return ErrorAt(open, "empty group '()'");
    bool positive = false;
    for (const ParsedNode& child : group->children) positive |= child.occur != Occur::kMustNot;
    if (!positive) {
      return ErrorAt(depth > 0 ? open : group->children.front().position,
                     "the query has no searchable term: only excluded clauses (add a term or a filter)");
    }
    return absl::OkStatus();
  }

  // Decides the occur of a run's item and adds it to `group`.
  static void Place(Item item, ParsedNode* group) {
    if (!item.and_operands.empty()) {
      for (Item& operand : item.and_operands) {
        operand.node.occur = operand.op == '-'            ? Occur::kMustNot
                             : operand.node.IsFilterOnly() ? Occur::kFilter
                                                           : Occur::kMust;
        group->children.push_back(std::move(operand.node));
      }
      return;
    }
    item.node.occur = item.op == '-'                ? Occur::kMustNot
                      : item.op == '+'              ? Occur::kMust
                      : item.node.IsFilterOnly()    ? Occur::kFilter
                                                    : Occur::kShould;
    group->children.push_back(std::move(item.node));
  }

  // conj (OR conj)*
  absl::Status Disjunction(size_t depth, Item* out) {
    LOUPE_RETURN_IF_ERROR(Conjunction(depth, out));
    std::vector<Item> operands;
    while (true) {
      SkipSpaces();
      if (AtEnd() || PeekOperator() != "OR") break;
      const size_t or_position = pos_;
      pos_ += 2;
      SkipSpaces();
      if (AtEnd() || Peek() == ')' || !PeekOperator().empty() && PeekOperator() != "NOT") {
        return ErrorAt(or_position, "'OR' must be followed by a term");
      }
      if (operands.empty()) operands.push_back(std::move(*out));
      Item next;
      LOUPE_RETURN_IF_ERROR(Conjunction(depth, &next));
      operands.push_back(std::move(next));
    }
    if (operands.empty()) return absl::OkStatus();
    // An OR group: each operand SHOULD (an AND operand becomes a group).
    ParsedNode group;
    group.kind = ParsedNode::Kind::kGroup;
    group.position = operands.front().node.position;
    for (Item& operand : operands) {
      if (operand.op != 0 && operand.and_operands.empty()) {
        return ErrorAt(operand.node.position,
                       absl::StrCat("'", std::string(1, operand.op),
                                    "' cannot apply to an operand of OR; use parentheses"));
      }
      if (!operand.and_operands.empty()) {
        ParsedNode conj;
        conj.kind = ParsedNode::Kind::kGroup;
        conj.position = operand.and_operands.front().node.position;
        Place(std::move(operand), &conj);
        operand.node = std::move(conj);
      }
      operand.node.occur = Occur::kShould;
      group.children.push_back(std::move(operand.node));
    }
    *out = Item();
    out->node = std::move(group);
    return absl::OkStatus();
  }

  // unary (AND unary)*
  absl::Status Conjunction(size_t depth, Item* out) {
    LOUPE_RETURN_IF_ERROR(Unary(depth, out));
    std::vector<Item> operands;
    while (true) {
      SkipSpaces();
      if (AtEnd() || PeekOperator() != "AND") break;
      const size_t and_position = pos_;
      pos_ += 3;
      SkipSpaces();
      if (AtEnd() || Peek() == ')' || !PeekOperator().empty() && PeekOperator() != "NOT") {
        return ErrorAt(and_position, "'AND' must be followed by a term");
      }
      if (operands.empty()) operands.push_back(std::move(*out));
      Item next;
      LOUPE_RETURN_IF_ERROR(Unary(depth, &next));
      operands.push_back(std::move(next));
    }
    if (!operands.empty()) {
      *out = Item();
      out->and_operands = std::move(operands);
    }
    return absl::OkStatus();
  }

  // [+|-|NOT] primary
  absl::Status Unary(size_t depth, Item* item) {
    const size_t start = pos_;
    const absl::string_view op_word = PeekOperator();
    if (op_word == "AND" || op_word == "OR") {
      return ErrorAt(start, absl::StrCat("'", op_word, "' must follow a term"));
    }
    if (op_word == "NOT") {
      item->op = '-';
      pos_ += 3;
      SkipSpaces();
      if (AtEnd() || Peek() == ')') return ErrorAt(start, "'NOT' must be followed by a term");
    } else if (Peek() == '+' || Peek() == '-') {
      item->op = Peek();
      ++pos_;
      if (AtEnd() || IsSpace(Peek()) || Peek() == '+' || Peek() == '-' || Peek() == ')') {
        return ErrorAt(start, absl::StrCat("dangling '", std::string(1, item->op),
                                           "': it must be followed by a term, a field, a "
                                           "phrase or a group"));
      }
    }
    LOUPE_RETURN_IF_ERROR(Primary(depth, FieldScope::kAll, &item->node));
    item->node.position = start;
    return absl::OkStatus();
  }

  absl::Status CountLeaf(size_t position) {
    if (++leaves_ > limits_.max_clauses) {
      return ErrorAt(position,
                     absl::StrCat("too many clauses (the limit is ", limits_.max_clauses, ")"));
    }
    return absl::OkStatus();
  }

  // group | field:value | phrase | prefix | term, then an optional boost.
  absl::Status Primary(size_t depth, FieldScope scope, ParsedNode* node) {
    node->position = pos_;
    node->field = scope;
    if (Peek() == ')') return ErrorAt(pos_, "unbalanced parenthesis: ')' without '('");
    if (Peek() == '(') {
      if (depth + 1 > limits_.max_depth) {
        return ErrorAt(pos_, absl::StrCat("parentheses nested too deep (the limit is ",
                                          limits_.max_depth, ")"));
      }
      const size_t open = pos_++;
      LOUPE_RETURN_IF_ERROR(Sequence(depth + 1, open, node));
      ++pos_;  // ')'
      // "(a OR b)" is the OR group itself, not a group holding it.
      if (node->children.size() == 1 && node->children[0].kind == ParsedNode::Kind::kGroup &&
          node->children[0].occur == Occur::kShould) {
        ParsedNode inner = std::move(node->children[0]);
        inner.position = node->position;
        *node = std::move(inner);
      }
      if (scope != FieldScope::kAll) LOUPE_RETURN_IF_ERROR(Scope(scope, node));
      return Boost(node);
    }
    bool has_field = false;
    LOUPE_RETURN_IF_ERROR(Field(depth, node, &has_field));
    if (has_field) return absl::OkStatus();
    if (Peek() == '"') {
      LOUPE_RETURN_IF_ERROR(Phrase(node));
    } else {
      LOUPE_RETURN_IF_ERROR(Term(node));
    }
    LOUPE_RETURN_IF_ERROR(CountLeaf(node->position));
    return Boost(node);
  }

  // Applies a title:/body: scope to a group's text nodes; filters refuse it.
  absl::Status Scope(FieldScope scope, ParsedNode* node) {
    switch (node->kind) {
      case ParsedNode::Kind::kKeyword:
      case ParsedNode::Kind::kDate:
        return ErrorAt(node->position, "a filter cannot be inside a title:/body: group");
      case ParsedNode::Kind::kGroup:
        for (ParsedNode& child : node->children) LOUPE_RETURN_IF_ERROR(Scope(scope, &child));
        return absl::OkStatus();
      default:
        if (node->field == FieldScope::kAll) node->field = scope;
        return absl::OkStatus();
    }
  }

  // `name:` (or `date<`, `date>`) where name is an ASCII identifier. "16:30"
  // and "http://..." are terms, not fields.
  absl::Status Field(size_t depth, ParsedNode* node, bool* has_field) {
    const size_t start = pos_;
    size_t end = pos_;
    if (!absl::ascii_isalpha(query_[end]) && query_[end] != '_') return absl::OkStatus();
    while (end < query_.size() && (absl::ascii_isalnum(query_[end]) || query_[end] == '_')) ++end;
    if (end >= query_.size()) return absl::OkStatus();
    const std::string name = absl::AsciiStrToLower(query_.substr(start, end - start));
    const char separator = query_[end];
    if (name == "date" && (separator == '<' || separator == '>' || separator == ':')) {
      *has_field = true;
      pos_ = end;
      LOUPE_RETURN_IF_ERROR(Date(start, node));
      return CountLeaf(start);
    }
    if (separator != ':') return absl::OkStatus();
    if (end + 1 < query_.size() && query_[end + 1] == '/') return absl::OkStatus();
    pos_ = end + 1;
    if (AtEnd() || IsSpace(Peek()) || Peek() == '^' || Peek() == ')') {
      return ErrorAt(start, absl::StrCat("empty value for field '", name, "'"));
    }
    *has_field = true;
    if (name == "title" || name == "body") {
      const FieldScope scope = name == "title" ? FieldScope::kTitle : FieldScope::kBody;
      if (Peek() == '(') return Primary(depth, scope, node);
      if (Peek() == '"') {
        LOUPE_RETURN_IF_ERROR(Phrase(node));
      } else {
        LOUPE_RETURN_IF_ERROR(Term(node));
      }
      node->field = scope;
      LOUPE_RETURN_IF_ERROR(CountLeaf(start));
      return Boost(node);
    }
    if (name == "source" || name == "lang" || name == "tag") {
      node->kind = ParsedNode::Kind::kKeyword;
      node->keyword = name == "source" ? KeywordField::kSource
                      : name == "lang" ? KeywordField::kLang
                                       : KeywordField::kTag;
      if (Peek() == '"') {
        const size_t close = query_.find('"', pos_ + 1);
        if (close == absl::string_view::npos) {
          return ErrorAt(pos_, "unbalanced quote: the value is not closed");
        }
        node->text = std::string(query_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else {
        const size_t value_start = pos_;
        while (!AtEnd() && !EndsTerm(Peek())) ++pos_;
        node->text = std::string(query_.substr(value_start, pos_ - value_start));
      }
      if (absl::StripAsciiWhitespace(node->text).empty()) {
        return ErrorAt(start, absl::StrCat("empty value for field '", name, "'"));
      }
      if (!AtEnd() && Peek() == '^') {
        return ErrorAt(pos_, "a filter does not score, so it cannot be boosted");
      }
      return CountLeaf(start);
    }
    return ErrorAt(start, absl::StrCat("unknown field '", query_.substr(start, end - start),
                                       "' (known fields: ", kKnownFields, ")"));
  }

  // After "date": >=X, >X, <=X, <X, :X or :[A TO B].
  absl::Status Date(size_t start, ParsedNode* node) {
    node->kind = ParsedNode::Kind::kDate;
    std::string op(1, Peek());
    ++pos_;
    if (!AtEnd() && Peek() == '=' && op != ":") {
      op.push_back('=');
      ++pos_;
    }
    if (op == ":" && !AtEnd() && Peek() == '[') return DateRange(start, node);
    const size_t value_start = pos_;
    while (!AtEnd() && !EndsTerm(Peek())) ++pos_;
    const absl::string_view value = query_.substr(value_start, pos_ - value_start);
    Interval interval;
    if (!ParseDateText(value, &interval)) {
      return ErrorAt(value_start, absl::StrCat("bad date '", value,
                                               "': expected YYYY-MM-DD or an RFC 3339 time"));
    }
    if (op == ">=") node->min_seconds = interval.begin;
    if (op == ">") node->min_seconds = interval.end;
    if (op == "<") node->max_seconds = interval.begin - 1;
    if (op == "<=") node->max_seconds = interval.end - 1;
    if (op == ":") {
      node->min_seconds = interval.begin;
      node->max_seconds = interval.end - 1;
    }
    if (!AtEnd() && Peek() == '^') {
      return ErrorAt(pos_, "a filter does not score, so it cannot be boosted");
    }
    return absl::OkStatus();
  }

  absl::Status DateRange(size_t start, ParsedNode* node) {
    const size_t open = pos_;
    const size_t close = query_.find(']', open);
    if (close == absl::string_view::npos) {
      return ErrorAt(open, "unbalanced '[': the date range is not closed");
    }
    const absl::string_view inside = query_.substr(open + 1, close - open - 1);
    const size_t to = inside.find(" TO ");
    if (to == absl::string_view::npos) {
      return ErrorAt(open, "a date range is [FROM TO UNTIL], e.g. [2025-01-01 TO 2025-02-01]");
    }
    const absl::string_view from = absl::StripAsciiWhitespace(inside.substr(0, to));
    const absl::string_view until = absl::StripAsciiWhitespace(inside.substr(to + 4));
    Interval interval;
    if (from != "*") {
      if (!ParseDateText(from, &interval)) {
        return ErrorAt(open + 1, absl::StrCat("bad date '", from,
                                              "': expected YYYY-MM-DD, an RFC 3339 time or *"));
      }
      node->min_seconds = interval.begin;
    }
    if (until != "*") {
      if (!ParseDateText(until, &interval)) {
        return ErrorAt(open + 1 + to + 4,
                       absl::StrCat("bad date '", until,
                                    "': expected YYYY-MM-DD, an RFC 3339 time or *"));
      }
      node->max_seconds = interval.end - 1;
    }
    if (node->min_seconds && node->max_seconds && *node->min_seconds > *node->max_seconds) {
      return ErrorAt(start, "empty date range: the start is after the end");
    }
    pos_ = close + 1;
    return absl::OkStatus();
  }

  absl::Status Phrase(ParsedNode* node) {
    const size_t open = pos_;
    const size_t close = query_.find('"', open + 1);
    if (close == absl::string_view::npos) {
      return ErrorAt(open, "unbalanced quote: the phrase is not closed");
    }
    node->kind = ParsedNode::Kind::kPhrase;
    node->text = std::string(query_.substr(open + 1, close - open - 1));
    if (absl::StripAsciiWhitespace(node->text).empty()) return ErrorAt(open, "empty phrase");
    pos_ = close + 1;
    return absl::OkStatus();
  }

  absl::Status Term(ParsedNode* node) {
    const size_t start = pos_;
    while (!AtEnd() && !EndsTerm(Peek())) ++pos_;
    if (pos_ == start) return ErrorAt(start, "'^' (boost) must follow a term, a phrase or a group");
    absl::string_view text = query_.substr(start, pos_ - start);
    if (text.back() == '*') {
      text.remove_suffix(1);
      if (text.empty() || text.find('*') != absl::string_view::npos) {
        return ErrorAt(start, "a prefix query is letters followed by one '*', e.g. deep*");
      }
      node->kind = ParsedNode::Kind::kPrefix;
    }
    node->text = std::string(text);
    return absl::OkStatus();
  }

  // Optional `^number` right after a term, phrase, prefix or group.
  absl::Status Boost(ParsedNode* node) {
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
    node->boost = boost;
    return absl::OkStatus();
  }

  absl::string_view query_;
  QueryParserLimits limits_;
  size_t pos_ = 0;
  size_t leaves_ = 0;
};

}  // namespace

bool ParsedNode::IsFilterOnly() const {
  if (kind == Kind::kKeyword || kind == Kind::kDate) return true;
  if (kind != Kind::kGroup) return false;
  bool any = false;
  for (const ParsedNode& child : children) {
    if (child.occur == Occur::kMustNot) continue;
    if (!child.IsFilterOnly()) return false;
    any = true;
  }
  return any;
}

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

std::string DebugString(const ParsedNode& node) {
  std::string out;
  switch (node.occur) {
    case Occur::kMust: out = "+"; break;
    case Occur::kMustNot: out = "-"; break;
    case Occur::kFilter: out = "#"; break;
    case Occur::kShould: break;
  }
  if (node.field != FieldScope::kAll && node.kind != ParsedNode::Kind::kGroup) {
    absl::StrAppend(&out, FieldScopeName(node.field), ":");
  }
  switch (node.kind) {
    case ParsedNode::Kind::kTerm: absl::StrAppend(&out, node.text); break;
    case ParsedNode::Kind::kPhrase: absl::StrAppend(&out, "\"", node.text, "\""); break;
    case ParsedNode::Kind::kPrefix: absl::StrAppend(&out, node.text, "*"); break;
    case ParsedNode::Kind::kKeyword:
      absl::StrAppend(&out,
                      node.keyword == KeywordField::kSource ? "source:"
                      : node.keyword == KeywordField::kLang ? "lang:"
                                                            : "tag:",
                      node.text);
      break;
    case ParsedNode::Kind::kDate:
      absl::StrAppend(&out, "date:[", node.min_seconds ? absl::StrCat(*node.min_seconds) : "*",
                      ",", node.max_seconds ? absl::StrCat(*node.max_seconds) : "*", "]");
      break;
    case ParsedNode::Kind::kGroup: {
      std::vector<std::string> parts;
      for (const ParsedNode& child : node.children) parts.push_back(DebugString(child));
      absl::StrAppend(&out, "(", absl::StrJoin(parts, " "), ")");
      break;
    }
  }
  if (node.boost != 1.0f) absl::StrAppend(&out, "^", node.boost);
  return out;
}

}  // namespace loupe::query
