// The terms under which loupe-index indexes a document's keyword fields
// (source, lang, tags) and under which loupe-query filters on them, so that
// both services agree byte for byte. Header-only: both services include it.
//
// Contract: values are trimmed and ASCII-lower-cased (non-ASCII bytes are
// kept as they are). A tag gives two terms in FIELD_TAG: "k:" + key (the
// tag is present, any value) and "v:" + key + "=" + value. The query form
// "key=value" splits at the first '=', so a tag whose key contains '='
// cannot be filtered by value (only documents' values may contain '=').
//
//   KeywordTerm(" BBC ")                 // "bbc"
//   TagPresenceTerm("Topic")             // "k:topic"
//   TagValueTerm("topic", "AI")          // "v:topic=ai"
//   TagFilterTerm("topic=ai")            // "v:topic=ai"; TagFilterTerm("topic") == "k:topic"
#ifndef LOUPE_SERVICES_COMMON_KEYWORD_TERMS_H_
#define LOUPE_SERVICES_COMMON_KEYWORD_TERMS_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace loupe {

inline std::string KeywordTerm(absl::string_view value) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
}

inline std::string TagPresenceTerm(absl::string_view key) {
  return absl::StrCat("k:", KeywordTerm(key));
}

inline std::string TagValueTerm(absl::string_view key, absl::string_view value) {
  return absl::StrCat("v:", KeywordTerm(key), "=", KeywordTerm(value));
}

// "key=value" -> TagValueTerm, "key" -> TagPresenceTerm.
inline std::string TagFilterTerm(absl::string_view filter) {
  const size_t equals = filter.find('=');
  if (equals == absl::string_view::npos) return TagPresenceTerm(filter);
  return TagValueTerm(filter.substr(0, equals), filter.substr(equals + 1));
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_KEYWORD_TERMS_H_
