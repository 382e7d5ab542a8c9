#include "services/common/analysis/icu_analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <bitset>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/strings/ascii.h"
#include "services/common/analysis/ascii_words.h"
#include "services/common/analysis/language.h"
#include "services/common/analysis/snowball_stemmer.h"
#include "services/common/analysis/token_filters.h"
#include "services/common/utf8.h"

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

// ASCII first letters of the terms an AnalyzeLookingFor caller wants.
using FirstLetters = std::bitset<128>;

// The ASCII first letters of `wanted`.
FirstLetters WantedFirstLetters(const absl::flat_hash_set<std::string>& wanted) {
  FirstLetters first;
  for (const std::string& term : wanted) {
    if (!term.empty() && static_cast<unsigned char>(term[0]) < 0x80) {
      first.set(static_cast<unsigned char>(term[0]));
    }
  }
  return first;
}

// Whether the case-folded word `folded` cannot give a wanted term: a word
// of ASCII letters a-z only goes through steps 3–8 unchanged (no
// apostrophe, dot or digit for them to act on, nothing to fold) but for the
// stop list and the stemmer, which keeps its first letter when the rules
// say so; if no wanted term starts with that letter, its term is not
// wanted.
bool CannotBeWanted(const LanguageRules& rules, const FirstLetters& wanted_first,
                    const std::string& folded) {
  if (folded.empty() || folded[0] < 'a' || folded[0] > 'z') return false;
  if (wanted_first.test(static_cast<unsigned char>(folded[0]))) return false;
  if (!rules.snowball_algorithm.empty() && !rules.stem_keeps_ascii_first_letter) return false;
  return IsLowercaseAsciiWord(folded);
}

// Whether step 7 may change whether `term` is wanted: false when the
// language's stems keep an ASCII first letter and `term`'s is not the first
// letter of any wanted term (`wanted_first`; nullptr = stem every word).
bool StemMatters(const LanguageRules& rules, const FirstLetters* wanted_first,
                 const std::string& term) {
  if (wanted_first == nullptr || !rules.stem_keeps_ascii_first_letter || term.empty()) {
    return true;
  }
  const auto first = static_cast<unsigned char>(term[0]);
  return first >= 0x80 || wanted_first->test(first);
}

// Steps 3–8 for one case-folded word. Returns false for a stop word; *term
// is empty when nothing searchable is left.
bool NormaliseFoldedWord(const LanguageRules& rules, const FirstLetters* wanted_first,
                         std::string* term) {
  // Most words are a-z only, which steps 3-6 leave as they are.
  if (!IsLowercaseAsciiWord(*term)) {
    NormaliseApostrophes(term);
    StripElision(rules.elision_prefixes, term);
    StripPossessive(term);  // "Nvidia's" in any language: no language ends a word in 's.
    JoinAcronym(term);
    if (NormaliseNumber(term)) return true;
  }
  if (rules.IsStopWord(*term)) return false;
  if (!rules.snowball_algorithm.empty() && StemMatters(rules, wanted_first, *term)) {
    std::string stem;
    if (SnowballStem(rules.snowball_algorithm, *term, &stem) && !stem.empty()) {
      *term = std::move(stem);
    }
  }
  if (!IsAscii(*term)) *term = FoldAccents(*term);
  return true;
}

// Appends the token of one word at byte offsets [begin, end) of the
// analysed text, whose case-folded form is *term (consumed). A stop word
// only takes its position.
void AppendWord(const LanguageRules& rules, const FirstLetters* wanted_first, uint32_t begin,
                uint32_t end, std::string* term, uint32_t* position, std::vector<Token>* tokens) {
  if (!NormaliseFoldedWord(rules, wanted_first, term)) {
    ++*position;  // A stop word keeps its place.
    return;
  }
  if (term->empty()) return;
  Token& token = tokens->emplace_back();
  token.term = std::move(*term);
  term->clear();
  token.position = (*position)++;
  token.begin = begin;
  token.end = end;
}

// Steps 1–2 with ICU's word break iterator, for `text` found at byte
// `offset` of the analysed text: calls on_word(begin, end, &folded) for
// each word, with its byte offsets in the analysed text and its case-folded
// form (which on_word may consume).
template <typename OnWord>
void SegmentWithIcu(absl::string_view text, uint32_t offset, OnWord& on_word) {
  icu::UnicodeString utf16 = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::BreakIterator& words = ThreadWordIterator();
  words.setText(utf16);

  // Walks the UTF-8 text alongside the UTF-16 indices to map offsets.
  int32_t utf16_cursor = 0;
  uint32_t utf8_cursor = offset;
  auto advance_to = [&](int32_t utf16_index) {
    while (utf16_cursor < utf16_index) {
      UChar32 c = utf16.char32At(utf16_cursor);
      utf16_cursor += U16_LENGTH(c);
      utf8_cursor += U8_LENGTH(c);
    }
    return utf8_cursor;
  };

  std::string term;
  int32_t start = words.first();
  for (int32_t end = words.next(); end != icu::BreakIterator::DONE;
       start = end, end = words.next()) {
    if (words.getRuleStatus() == UBRK_WORD_NONE) continue;
    term = FoldCase(icu::UnicodeString(utf16, start, end - start));
    const uint32_t begin_byte = advance_to(start);
    on_word(begin_byte, advance_to(end), &term);
  }
}

// Steps 1–2 for an ASCII piece without white space (ascii_words.h) at byte
// `offset` of the analysed text; on_word as for SegmentWithIcu.
template <typename OnWord>
void SegmentAsciiPiece(absl::string_view piece, uint32_t offset, OnWord& on_word) {
  std::string term;
  ForEachAsciiWord(piece, [&](size_t begin, size_t end) {
    term.assign(piece.data() + begin, end - begin);
    absl::AsciiStrToLower(&term);
    on_word(offset + static_cast<uint32_t>(begin), offset + static_cast<uint32_t>(end), &term);
  });
}

// Steps 1–2 for a whole text, with the ASCII fast path unless `icu_only`;
// on_word as for SegmentWithIcu, in text order.
template <typename OnWord>
void SegmentText(absl::string_view text, bool icu_only, OnWord&& on_word) {
  if (icu_only) {
    SegmentWithIcu(text, 0, on_word);
    return;
  }
  // Pieces between ASCII white space: ASCII ones are segmented here, and
  // each run of other pieces goes to ICU with the white space before it
  // (a combining mark after a space belongs to the space).
  constexpr size_t kNone = absl::string_view::npos;
  size_t icu_begin = kNone;  // Start of the run waiting for ICU.
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const size_t space_begin = i;
    while (i < n && IsAsciiWhiteSpace(text[i])) ++i;
    const size_t piece_begin = i;
    bool ascii = true;
    for (; i < n && !IsAsciiWhiteSpace(text[i]); ++i) {
      ascii = ascii && static_cast<unsigned char>(text[i]) < 0x80;
    }
    if (piece_begin == i) break;  // Trailing white space.
    if (!ascii) {
      if (icu_begin == kNone) icu_begin = space_begin;
      continue;
    }
    if (icu_begin != kNone) {
      SegmentWithIcu(text.substr(icu_begin, space_begin - icu_begin),
                     static_cast<uint32_t>(icu_begin), on_word);
      icu_begin = kNone;
    }
    SegmentAsciiPiece(text.substr(piece_begin, i - piece_begin),
                      static_cast<uint32_t>(piece_begin), on_word);
  }
  if (icu_begin != kNone) {
    SegmentWithIcu(text.substr(icu_begin), static_cast<uint32_t>(icu_begin), on_word);
  }
}

// Steps 1–8 for a whole text in one language.
void AnalyzeText(absl::string_view text, const LanguageRules& rules, bool icu_only,
                 const FirstLetters* wanted_first, std::vector<Token>* tokens) {
  uint32_t position = 0;
  SegmentText(text, icu_only, [&](uint32_t begin, uint32_t end, std::string* term) {
    AppendWord(rules, wanted_first, begin, end, term, &position, tokens);
  });
}

}  // namespace

void IcuAnalyzer::Analyze(absl::string_view text, absl::string_view lang,
                          std::vector<Token>* tokens) const {
  AnalyzeText(text, RulesForLanguage(lang), segmentation_ == Segmentation::kIcuOnly,
              /*wanted_first=*/nullptr, tokens);
}

void IcuAnalyzer::AnalyzeLookingFor(absl::string_view text, absl::string_view lang,
                                    const absl::flat_hash_set<std::string>& wanted,
                                    std::vector<Token>* tokens) const {
  const FirstLetters wanted_first = WantedFirstLetters(wanted);
  AnalyzeText(text, RulesForLanguage(lang), segmentation_ == Segmentation::kIcuOnly,
              &wanted_first, tokens);
}

void IcuAnalyzer::MatchTokens(absl::string_view text, absl::string_view lang,
                              const absl::flat_hash_set<std::string>& wanted,
                              std::vector<TokenMatch>* matches) const {
  const FirstLetters wanted_first = WantedFirstLetters(wanted);
  const LanguageRules& rules = RulesForLanguage(lang);
  uint32_t position = 0;
  std::vector<Token> word_tokens;  // one word's, from AppendWord
  SegmentText(text, segmentation_ == Segmentation::kIcuOnly,
              [&](uint32_t begin, uint32_t end, std::string* folded) {
                if (CannotBeWanted(rules, wanted_first, *folded)) {
                  if (!rules.IsStopWord(*folded)) matches->push_back({begin, end, false});
                  return;
                }
                word_tokens.clear();
                AppendWord(rules, &wanted_first, begin, end, folded, &position, &word_tokens);
                for (const Token& token : word_tokens) {
                  matches->push_back({token.begin, token.end, wanted.contains(token.term)});
                }
              });
}

void IcuAnalyzer::AnalyzeInLanguages(absl::Span<const std::string> langs,
                                     absl::string_view text,
                                     std::vector<std::vector<Token>>* per_language) const {
  per_language->resize(langs.size());
  if (langs.size() == 1) {
    Analyze(text, langs[0], &(*per_language)[0]);
    return;
  }
  std::vector<const LanguageRules*> rules(langs.size());
  for (size_t l = 0; l < langs.size(); ++l) rules[l] = &RulesForLanguage(langs[l]);
  std::vector<uint32_t> positions(langs.size(), 0);
  std::string term;
  SegmentText(text, segmentation_ == Segmentation::kIcuOnly,
              [&](uint32_t begin, uint32_t end, std::string* folded) {
                for (size_t l = 0; l < langs.size(); ++l) {
                  term = *folded;
                  AppendWord(*rules[l], /*wanted_first=*/nullptr, begin, end, &term,
                             &positions[l], &(*per_language)[l]);
                }
              });
}

std::unique_ptr<Analyzer> MakeDefaultAnalyzer() { return std::make_unique<IcuAnalyzer>(); }

}  // namespace loupe
