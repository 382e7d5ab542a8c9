#include "tools/eval/query_text.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace loupe::eval {
namespace {

bool IsSyntaxCharacter(char c) {
  return c == '"' || c == '(' || c == ')' || c == '^' || c == '*' || c == ':';
}

}  // namespace

std::string ToBagOfWords(absl::string_view text) {
  std::string cleaned(text);
  for (char& c : cleaned) {
    if (IsSyntaxCharacter(c)) c = ' ';
  }
  std::vector<std::string> words;
  for (absl::string_view word : absl::StrSplit(cleaned, absl::ByAnyChar(" \t\n\r\f\v"),
                                               absl::SkipEmpty())) {
    while (!word.empty() && (word.front() == '+' || word.front() == '-')) word.remove_prefix(1);
    if (word.empty()) continue;
    if (word == "AND") {
      words.push_back("and");
    } else if (word == "OR") {
      words.push_back("or");
    } else {
      words.emplace_back(word);
    }
  }
  return absl::StrJoin(words, " ");
}

}  // namespace loupe::eval
