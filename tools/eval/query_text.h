// Turns a test collection's query (user text) into a plain bag of words for
// QueryService.Search, so that nothing in it is read as query syntax
// (services/query/query_parser.h) and the query cannot be rejected for it.
//
// Exactly what is done, in order:
//  1. Each of  "  (  )  ^  *  :  becomes a space, wherever it is. They are
//     phrase quotes, (unsupported) parentheses, boosts, prefix stars and
//     field prefixes (`title:`) in the query language; none of them is part
//     of a word for the analyser.
//  2. The text is split on ASCII whitespace; a leading run of + and - is
//     removed from each word (required / excluded operators). A + or -
//     inside a word stays ("open-source", "COVID-19", "c++" keep their form,
//     so the analyser sees what it saw at index time).
//  3. A word that is exactly AND or OR (the only operator spellings) is
//     lower-cased, which makes it an ordinary term.
//  4. Empty words are dropped; the words are joined with single spaces.
// Words are not deduplicated or otherwise changed: analysis, stop words and
// duplicate terms are the engine's business.
//
//   ToBagOfWords("What is \"open-source\" (OSS)? -5 AND title:x^2")
//   // == "What is open-source OSS ? 5 and title x 2"
#ifndef LOUPE_TOOLS_EVAL_QUERY_TEXT_H_
#define LOUPE_TOOLS_EVAL_QUERY_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace loupe::eval {

std::string ToBagOfWords(absl::string_view text);

}  // namespace loupe::eval

#endif  // LOUPE_TOOLS_EVAL_QUERY_TEXT_H_
