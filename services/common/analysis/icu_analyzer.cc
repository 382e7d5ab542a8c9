#include "services/common/analysis/icu_analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "services/common/analysis/language.h"
#include "services/common/analysis/snowball_stemmer.h"
#include "services/common/analysis/token_filters.h"

namespace loupe {
namespace {

// Word break iterators are not thread-safe; each thread creates its own.
icu::BreakIterator& ThreadWordIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator;
  if (!iterator) {
    UErrorCode error = U_ZERO_ERROR;
    iterator.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), error));
    if (U_FAILURE(error)) {
      std::cerr << "ICU word break iterator unavailable: " << u_errorName(error) << std::endl;
      std::abort();
    }
  }
  return *iterator;
}

// Steps 2–8 for one word. Returns false for a stop word; *term is empty when
// nothing searchable is left.
bool NormaliseWord(const icu::UnicodeString& word, const LanguageRules& rules,
                   std::string* term) {
  *term = FoldCase(word);
  NormaliseApostrophes(term);
  StripElision(rules.elision_prefixes, term);
  StripPossessive(term);  // "Nvidia's" in any language: no language ends a word in 's.
  JoinAcronym(term);
  if (NormaliseNumber(term)) return true;
  if (rules.IsStopWord(*term)) return false;
  if (!rules.snowball_algorithm.empty()) {
    std::string stem;
    if (SnowballStem(rules.snowball_algorithm, *term, &stem) && !stem.empty()) {
      *term = std::move(stem);
    }
  }
  *term = FoldAccents(*term);
  return true;
}

}  // namespace

void IcuAnalyzer::Analyze(absl::string_view text, absl::string_view lang,
                          std::vector<Token>* tokens) const {
  const LanguageRules& rules = RulesForLanguage(lang);
  icu::UnicodeString utf16 = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::BreakIterator& words = ThreadWordIterator();
  words.setText(utf16);

  // Walks the UTF-8 text alongside the UTF-16 indices to map offsets.
  int32_t utf16_cursor = 0;
  uint32_t utf8_cursor = 0;
  auto advance_to = [&](int32_t utf16_index) {
    while (utf16_cursor < utf16_index) {
      UChar32 c = utf16.char32At(utf16_cursor);
      utf16_cursor += U16_LENGTH(c);
      utf8_cursor += U8_LENGTH(c);
    }
    return utf8_cursor;
  };

  uint32_t position = 0;
  std::string term;
  int32_t start = words.first();
  for (int32_t end = words.next(); end != icu::BreakIterator::DONE;
       start = end, end = words.next()) {
    if (words.getRuleStatus() == UBRK_WORD_NONE) continue;
    const icu::UnicodeString word(utf16, start, end - start);
    if (!NormaliseWord(word, rules, &term)) {
      ++position;  // A stop word keeps its place.
      continue;
    }
    if (term.empty()) continue;
    Token& token = tokens->emplace_back();
    token.term = std::move(term);
    term.clear();
    token.position = position++;
    token.begin = advance_to(start);
    token.end = advance_to(end);
  }
}

std::unique_ptr<Analyzer> MakeDefaultAnalyzer() { return std::make_unique<IcuAnalyzer>(); }

}  // namespace loupe
