#include "services/index/snippet.h"

#include <vector>

#include "services/common/query_plan_terms.h"
#include "services/common/utf8.h"

namespace loupe {
namespace {

constexpr absl::string_view kEllipsis = "…";
constexpr absl::string_view kMarkOpen = "<mark>";
constexpr absl::string_view kMarkClose = "</mark>";

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Code-point offsets of byte offsets that only move forward (token order).
class CodePointCounter {
 public:
  explicit CodePointCounter(absl::string_view text) : text_(text) {}
  size_t At(size_t byte) {
    if (byte < byte_) byte_ = code_points_ = 0;
    for (; byte_ < byte && byte_ < text_.size(); ++byte_) {
      if (!IsContinuationByte(text_[byte_])) ++code_points_;
    }
    return code_points_;
  }

 private:
  absl::string_view text_;
  size_t byte_ = 0;
  size_t code_points_ = 0;
};

// Where the first part of a long body searched for a snippet ends: after
// the last space or newline within kSnippetSearchBytes, so that no word is
// cut (else on a character boundary); text.size() for a short body.
size_t SearchCut(absl::string_view text) {
  if (text.size() <= kSnippetSearchBytes) return text.size();
  const size_t limit = kSnippetSearchBytes;
  for (size_t at = limit; at > limit - 256; --at) {
    if (text[at - 1] == ' ' || text[at - 1] == '\n') return at;
  }
  size_t at = limit;
  while (at > 0 && IsContinuationByte(text[at])) --at;
  return at;
}

// The tokens of `body` searched for its snippet (see kSnippetSearchBytes),
// with their offsets in `body` and whether they match.
void AnalyzeForSnippet(const Analyzer& analyzer, absl::string_view body, absl::string_view lang,
                       const SnippetTerms& terms, std::vector<TokenMatch>* tokens) {
  const size_t cut = SearchCut(body);
  analyzer.MatchTokens(body.substr(0, cut), lang, terms, tokens);
  if (cut == body.size()) return;
  for (const TokenMatch& token : *tokens) {
    if (token.wanted) return;
  }
  std::vector<TokenMatch> rest;
  analyzer.MatchTokens(body.substr(cut), lang, terms, &rest);
  for (TokenMatch& token : rest) {
    token.begin += static_cast<uint32_t>(cut);
    token.end += static_cast<uint32_t>(cut);
    tokens->push_back(token);
  }
}

// Byte offset just after the first `max_chars` code points of `text`.
size_t PrefixBytes(absl::string_view text, size_t max_chars) {
  size_t code_points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuationByte(text[i])) {
      if (code_points == max_chars) return i;
      ++code_points;
    }
  }
  return text.size();
}

}  // namespace

void AppendHtmlEscaped(absl::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      case '\'': out->append("&#39;"); break;
      default: out->push_back(c);
    }
  }
}

SnippetTerms SnippetTermsFromPlan(const v1::QueryPlan& plan) {
  return SnippetTermsFromPlan(plan, v1::FIELD_BODY);
}

std::string HighlightWhole(const Analyzer& analyzer, absl::string_view text,
                           absl::string_view lang, const SnippetTerms& terms) {
  size_t code_points = 0;
  for (char c : text) code_points += IsContinuationByte(c) ? 0 : 1;
  if (code_points == 0) return "";
  // A window as wide as the text keeps all of it.
  return MakeSnippet(analyzer, text, lang, terms, static_cast<uint32_t>(code_points));
}

SnippetTerms SnippetTermsFromPlan(const v1::QueryPlan& plan, v1::Field wanted) {
  SnippetTerms terms;
  // Every form of every scored term, phrase word and prefix expansion on the
  // body or on every field (query-time analysis gives several forms).
  ForEachPlanTerm(plan, [&](v1::Field field, const std::string& term, bool excluded) {
    if (excluded) return;
    if (field != wanted && field != v1::FIELD_UNSPECIFIED) return;
    terms.insert(term);
  });
  return terms;
}

std::string MakeSnippet(const Analyzer& analyzer, absl::string_view body, absl::string_view lang,
                        const SnippetTerms& terms, uint32_t max_chars) {
  std::string out;
  std::vector<TokenMatch> tokens;
  // Only which tokens are among `terms` matters here.
  if (!body.empty()) AnalyzeForSnippet(analyzer, body, lang, terms, &tokens);
  if (tokens.empty()) {
    const size_t end = PrefixBytes(body, max_chars);
    AppendHtmlEscaped(body.substr(0, end), &out);
    if (end < body.size()) out.append(kEllipsis.data(), kEllipsis.size());
    return out;
  }

  const size_t n = tokens.size();
  CodePointCounter counter(body);
  std::vector<size_t> cp_begin(n), cp_end(n);
  std::vector<bool> matched(n);
  // Up to the last token, ASCII text (most long bodies) counts code points
  // as bytes.
  const bool ascii = IsAscii(body.substr(0, tokens.back().end));
  for (size_t i = 0; i < n; ++i) {
    cp_begin[i] = ascii ? tokens[i].begin : counter.At(tokens[i].begin);
    cp_end[i] = ascii ? tokens[i].end : counter.At(tokens[i].end);
    matched[i] = tokens[i].wanted;
  }
  // Code points of tokens [lo, hi).
  auto span = [&](size_t lo, size_t hi) { return cp_end[hi - 1] - cp_begin[lo]; };

  // The window of tokens within max_chars holding the most matches (sliding
  // window; the earliest wins ties).
  size_t best_lo = 0, best_hi = 1, best_count = 0;
  size_t hi = 0, count = 0;
  for (size_t lo = 0; lo < n; ++lo) {
    if (hi < lo + 1) {
      hi = lo;
      count = 0;
    }
    while (hi < n && (hi == lo || span(lo, hi + 1) <= max_chars)) {
      if (matched[hi]) ++count;
      ++hi;
    }
    if (count > best_count) {
      best_count = count;
      best_lo = lo;
      best_hi = hi;
    }
    if (matched[lo]) --count;
  }

  size_t lo = 0;
  hi = 1;
  if (best_count > 0) {
    // Keep the matches, then spend the slack on context: up to half before
    // the first match, then after the last, then before again.
    lo = best_lo;
    while (!matched[lo]) ++lo;
    hi = best_hi;
    while (!matched[hi - 1]) --hi;
    const size_t first_match_cp = cp_begin[lo];
    const size_t slack = max_chars > span(lo, hi) ? max_chars - span(lo, hi) : 0;
    while (lo > 0 && span(lo - 1, hi) <= max_chars && first_match_cp - cp_begin[lo - 1] <= slack / 2) {
      --lo;
    }
  }
  while (hi < n && span(lo, hi + 1) <= max_chars) ++hi;
  while (lo > 0 && span(lo - 1, hi) <= max_chars) --lo;

  // Leading and trailing text that is not a token is kept when it fits.
  size_t start_byte = tokens[lo].begin;
  size_t start_cp = cp_begin[lo];
  if (lo == 0 && cp_end[hi - 1] <= max_chars) {
    start_byte = 0;
    start_cp = 0;
  }
  size_t end_byte = tokens[hi - 1].end;
  // (Counting the code points of the whole body only when it may end the
  // snippet: a long body was not all searched.)
  if (hi == n && counter.At(body.size()) - start_cp <= max_chars) end_byte = body.size();

  if (start_byte > 0) out.append(kEllipsis.data(), kEllipsis.size());
  size_t cursor = start_byte;
  for (size_t i = lo; i < hi; ++i) {
    const TokenMatch& token = tokens[i];
    if (token.begin < cursor) continue;  // overlapping token: already written
    AppendHtmlEscaped(body.substr(cursor, token.begin - cursor), &out);
    const absl::string_view text = body.substr(token.begin, token.end - token.begin);
    if (matched[i]) out.append(kMarkOpen.data(), kMarkOpen.size());
    AppendHtmlEscaped(text, &out);
    if (matched[i]) out.append(kMarkClose.data(), kMarkClose.size());
    cursor = token.end;
  }
  AppendHtmlEscaped(body.substr(cursor, end_byte - cursor), &out);
  if (end_byte < body.size()) out.append(kEllipsis.data(), kEllipsis.size());
  return out;
}

}  // namespace loupe
