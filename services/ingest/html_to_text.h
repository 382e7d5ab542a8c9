// HTML to plain text, for bodies sent with content_type "text/html".
//
// A small, forgiving converter (not a validating parser): the text content of
// the markup is kept, in order, and everything else goes.
//   - <script>, <style>, <noscript>, <template>, <head>, <svg> and their
//     content are dropped, as are comments, <!DOCTYPE …> and <?…?>;
//   - block-level tags (p, div, br, li, h1–h6, tr, …) become a line break
//     (consecutive ones collapse into one),
//     inline formatting tags (b, i, a, span, …) disappear, any other tag
//     becomes a space, so words on both sides stay apart;
//   - named entities (the HTML 4 set: Latin-1, Greek, typography) and numeric
//     entities (&#233; &#xE9;) are decoded; invalid code points become
//     U+FFFD; an unknown or unterminated entity is kept literally;
//   - a '<' that does not start a tag is kept as text.
// The output is not tidied (see DocumentNormalizer for whitespace).
//
//   std::string text = HtmlToText("<p>Caf&eacute; <b>cr&egrave;me</b></p>");
//   // text == "\nCafé crème\n"
#ifndef LOUPE_SERVICES_INGEST_HTML_TO_TEXT_H_
#define LOUPE_SERVICES_INGEST_HTML_TO_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace loupe {

// `html` must be valid UTF-8; so is the result.
std::string HtmlToText(absl::string_view html);

// Decodes the entities of `text` (no tag handling); exposed for tests.
std::string DecodeHtmlEntities(absl::string_view text);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_HTML_TO_TEXT_H_
