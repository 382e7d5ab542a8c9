#include "services/common/analysis/token_filters.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"
#include "services/common/utf8.h"

namespace loupe {
namespace {

const icu::Normalizer2& Instance(const icu::Normalizer2* (*get)(UErrorCode&), const char* name) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = get(error);
  if (U_FAILURE(error) || normalizer == nullptr) {
    std::cerr << "ICU normalizer " << name << " unavailable: " << u_errorName(error) << std::endl;
    std::abort();
  }
  return *normalizer;
}

const icu::Normalizer2& CaseFolder() {
  static const icu::Normalizer2& folder =
      Instance(&icu::Normalizer2::getNFKCCasefoldInstance, "NFKC_Casefold");
  return folder;
}

const icu::Normalizer2& Decomposer() {
  static const icu::Normalizer2& nfd = Instance(&icu::Normalizer2::getNFDInstance, "NFD");
  return nfd;
}

const icu::Normalizer2& Composer() {
  static const icu::Normalizer2& nfc = Instance(&icu::Normalizer2::getNFCInstance, "NFC");
  return nfc;
}

void ReplaceAll(absl::string_view from, absl::string_view to, std::string* text) {
  for (size_t at = text->find(from.data(), 0, from.size()); at != std::string::npos;
       at = text->find(from.data(), at + to.size(), from.size())) {
    text->replace(at, from.size(), to.data(), to.size());
  }
}

// Latin letters without a canonical decomposition that users type plain.
const char* SpelledOut(UChar32 c) {
  switch (c) {
    case 0x0153: return "oe";  // œ
    case 0x00E6: return "ae";  // æ
    case 0x00F8: return "o";   // ø
    case 0x0142: return "l";   // ł
    case 0x0111: return "d";   // đ
    case 0x00F0: return "d";   // ð
    case 0x00FE: return "th";  // þ
    default: return nullptr;
  }
}

}  // namespace

std::string FoldCase(const icu::UnicodeString& word) {
  bool ascii = true;
  for (int32_t i = 0; i < word.length() && ascii; ++i) ascii = word.charAt(i) < 0x80;
  std::string out;
  if (ascii) {
    out.reserve(static_cast<size_t>(word.length()));
    for (int32_t i = 0; i < word.length(); ++i) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(word.charAt(i))));
    }
    return out;
  }
  UErrorCode error = U_ZERO_ERROR;
  icu::UnicodeString folded = CaseFolder().normalize(word, error);
  if (U_FAILURE(error)) return out;
  folded.toUTF8String(out);
  return out;
}

void NormaliseApostrophes(std::string* word) {
  if (IsAscii(*word)) return;
  ReplaceAll("\u2019", "'", word);
  ReplaceAll("\u02BC", "'", word);
}

void StripElision(const absl::flat_hash_set<std::string>& prefixes, std::string* word) {
  if (prefixes.empty()) return;
  const size_t apostrophe = word->find('\'');
  if (apostrophe == std::string::npos || apostrophe + 1 >= word->size()) return;
  if (prefixes.contains(absl::string_view(*word).substr(0, apostrophe))) {
    word->erase(0, apostrophe + 1);
  }
}

void StripPossessive(std::string* word) {
  if (word->size() > 2 && word->compare(word->size() - 2, 2, "'s") == 0) {
    word->resize(word->size() - 2);
  }
}

void JoinAcronym(std::string* word) {
  // Shape: L(.L)+ with single ASCII letters.
  if (word->size() < 3 || word->size() % 2 == 0) return;
  for (size_t i = 0; i < word->size(); ++i) {
    const unsigned char c = static_cast<unsigned char>((*word)[i]);
    if (i % 2 == 0 ? !absl::ascii_isalpha(c) : c != '.') return;
  }
  std::string joined;
  for (size_t i = 0; i < word->size(); i += 2) joined.push_back((*word)[i]);
  *word = std::move(joined);
}

bool NormaliseNumber(std::string* word) {
  bool has_digit = false;
  for (char c : *word) has_digit = has_digit || absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!has_digit) return false;
  for (char& c : *word) {
    if (c == ',') c = '.';
  }
  return true;
}

std::string FoldAccents(absl::string_view word) {
  if (IsAscii(word)) return std::string(word);
  UErrorCode error = U_ZERO_ERROR;
  icu::UnicodeString decomposed = Decomposer().normalize(
      icu::UnicodeString::fromUTF8(
          icu::StringPiece(word.data(), static_cast<int32_t>(word.size()))),
      error);
  if (U_FAILURE(error)) return std::string(word);
  icu::UnicodeString bare;
  bool after_latin = false;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (c >= 0x0300 && c <= 0x036F && after_latin) continue;
    if (const char* spelled = SpelledOut(c)) {
      bare.append(icu::UnicodeString(spelled, -1, icu::UnicodeString::kInvariant));
      after_latin = true;
      continue;
    }
    bare.append(c);
    // A mark keeps the script of its base letter.
    if (u_getCombiningClass(c) == 0) {
      UErrorCode script_error = U_ZERO_ERROR;
      after_latin = uscript_getScript(c, &script_error) == USCRIPT_LATIN;
    }
  }
  // Recompose what was left decomposed (marks of other scripts).
  icu::UnicodeString composed = Composer().normalize(bare, error);
  if (U_FAILURE(error)) return std::string(word);
  std::string out;
  composed.toUTF8String(out);
  return out;
}

}  // namespace loupe
