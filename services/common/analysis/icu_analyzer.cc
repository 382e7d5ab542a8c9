#include "services/common/analysis/icu_analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <array>
#include <cstdlib>
#include <iostream>

namespace loupe {
namespace {

// Word break iterators are not thread-safe; each thread clones its own.
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

const icu::Normalizer2& CaseFold() {
  UErrorCode error = U_ZERO_ERROR;
  static const icu::Normalizer2* folder = icu::Normalizer2::getNFKCCasefoldInstance(error);
  return *folder;
}

const icu::Normalizer2& Decompose() {
  UErrorCode error = U_ZERO_ERROR;
  static const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
  return *nfd;
}

bool IsApostrophe(UChar32 c) { return c == 0x27 || c == 0x2019 || c == 0x02BC; }

// Folded, lowercase elided articles and pronouns: "l'avion" -> "avion".
bool IsElisionPrefix(const icu::UnicodeString& prefix) {
  static const std::array<const char16_t*, 13> kPrefixes = {
      u"l", u"d", u"j", u"m", u"n", u"s", u"t", u"c", u"qu", u"jusqu", u"lorsqu", u"puisqu",
      u"quoiqu"};
  for (const char16_t* candidate : kPrefixes) {
    if (prefix == icu::UnicodeString(candidate)) return true;
  }
  return false;
}

// Case-folds, strips elision/possessive, folds accents, unifies decimal marks.
std::string NormaliseWord(const icu::UnicodeString& word) {
  UErrorCode error = U_ZERO_ERROR;
  icu::UnicodeString folded = CaseFold().normalize(word, error);
  if (U_FAILURE(error)) return {};

  // Elision: keep what follows the first apostrophe when the prefix is an
  // elided word; English possessive: drop a trailing "'s".
  for (int32_t i = 0; i < folded.length(); ++i) {
    if (!IsApostrophe(folded.charAt(i))) continue;
    icu::UnicodeString prefix(folded, 0, i);
    if (IsElisionPrefix(prefix) && i + 1 < folded.length()) {
      folded.remove(0, i + 1);
    } else if (i + 2 == folded.length() && folded.charAt(i + 1) == u's') {
      folded.truncate(i);
    }
    break;
  }

  icu::UnicodeString decomposed = Decompose().normalize(folded, error);
  if (U_FAILURE(error)) return {};
  icu::UnicodeString bare;
  bool has_digit = false;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    if (u_isdigit(c)) has_digit = true;
    bare.append(c);
  }
  if (has_digit) bare.findAndReplace(u",", u".");
  std::string out;
  bare.toUTF8String(out);
  return out;
}

}  // namespace

void IcuAnalyzer::Analyze(absl::string_view text, absl::string_view lang,
                          std::vector<Token>* tokens) const {
  icu::UnicodeString utf16 =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
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
  int32_t start = words.first();
  for (int32_t end = words.next(); end != icu::BreakIterator::DONE;
       start = end, end = words.next()) {
    if (words.getRuleStatus() == UBRK_WORD_NONE) continue;
    std::string term = NormaliseWord(icu::UnicodeString(utf16, start, end - start));
    if (term.empty()) continue;
    Token token;
    token.term = std::move(term);
    token.position = position++;
    token.begin = advance_to(start);
    token.end = advance_to(end);
    tokens->push_back(std::move(token));
  }
}

std::unique_ptr<Analyzer> MakeDefaultAnalyzer() { return std::make_unique<IcuAnalyzer>(); }

}  // namespace loupe
