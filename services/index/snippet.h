// Snippets for Fetch: the passage of a body with the most query-term matches,
// cut on token boundaries, HTML-escaped, matches wrapped in <mark>…</mark>.
//
// The body is analysed with the same analyser as at index time, so a query
// term "reveil" marks "réveil" and "Réveil" (Analyzer::AnalyzeLookingFor:
// words that cannot become a query term are not stemmed). The window holds about
// `max_chars` code points of original text; "…" marks where it was cut.
// Without any match the snippet is the start of the body.
//
//   SnippetTerms terms = SnippetTermsFromPlan(request.plan());
//   std::string html = MakeSnippet(*analyzer, body, "fr", terms, 200);
//   // "… le <mark>réveil</mark> du marché &amp; des …"
//   std::string title = HighlightWhole(*analyzer, title, "fr",
//                                      SnippetTermsFromPlan(plan, v1::FIELD_TITLE));
#ifndef LOUPE_SERVICES_INDEX_SNIPPET_H_
#define LOUPE_SERVICES_INDEX_SNIPPET_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/index.pb.h"
#include "services/common/analysis/analyzer.h"

namespace loupe {

// Analysed terms to highlight in a body.
using SnippetTerms = absl::flat_hash_set<std::string>;

// Terms of the plan's SHOULD and MUST clauses on the body or on every field.
SnippetTerms SnippetTermsFromPlan(const v1::QueryPlan& plan);
// Same, for `field` (e.g. FIELD_TITLE) or every field.
SnippetTerms SnippetTermsFromPlan(const v1::QueryPlan& plan, v1::Field field);

// The whole `text` (valid UTF-8; e.g. a title), HTML-escaped, with `terms`
// wrapped in <mark>…</mark> as in MakeSnippet, never cut.
std::string HighlightWhole(const Analyzer& analyzer, absl::string_view text,
                           absl::string_view lang, const SnippetTerms& terms);

// A body's passage is looked for in its first kSnippetSearchBytes (cut at
// a space), and in the rest only when that part holds no match: analysing
// the body is most of a snippet's cost, and a hit can be a long document
// (on man pages, 16 KiB instead of the whole body doubled the cluster's
// AND queries per second). Lucene's highlighter bounds its analysis the
// same way (maxDocCharsToAnalyze).
inline constexpr size_t kSnippetSearchBytes = 16 * 1024;

// `body` must be valid UTF-8; `max_chars` > 0.
std::string MakeSnippet(const Analyzer& analyzer, absl::string_view body, absl::string_view lang,
                        const SnippetTerms& terms, uint32_t max_chars);

// Escapes & < > " ' for HTML text and attributes.
void AppendHtmlEscaped(absl::string_view text, std::string* out);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SNIPPET_H_
