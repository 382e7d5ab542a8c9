// Stop lists for the languages Loupe tunes for. Written for this project:
// small, standard function words (articles, pronouns, prepositions,
// conjunctions, the commonest auxiliaries), in NFKC_Casefold form with their
// accents, as the analyser compares them before stemming and accent folding.
// Kept small on purpose: a content word wrongly listed here becomes
// unsearchable in that language.
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/analysis/language.h"

namespace loupe {

const std::vector<absl::string_view>& StopWordList(absl::string_view code) {
  // The 33 words of Lucene's classic English list.
  static const auto* kEnglish = new std::vector<absl::string_view>{
      "a",    "an",   "and",  "are",  "as",   "at",   "be",    "but",  "by",
      "for",  "if",   "in",   "into", "is",   "it",   "no",    "not",  "of",
      "on",   "or",   "such", "that", "the",  "their", "then", "there", "these",
      "they", "this", "to",   "was",  "will", "with"};
  static const auto* kFrench = new std::vector<absl::string_view>{
      "au",  "aux", "avec", "ce",   "ces",  "cet",  "cette", "dans", "de",   "des",  "du",
      "elle", "elles", "en", "et",  "eux",  "il",   "ils",   "je",   "la",   "le",   "les",
      "leur", "leurs", "lui", "ma", "mais", "me",   "mes",   "moi",  "mon",  "ne",   "nos",
      "notre", "nous", "on", "ou",  "où",   "par",  "pas",   "pour", "qu",   "que",  "qui",
      "sa",  "se",  "ses",  "son",  "sur",  "ta",   "te",    "tes",  "toi",  "ton",  "tu",
      "un",  "une", "vos",  "votre", "vous", "à",   "y",     "est",  "sont", "ont",  "a"};
  static const auto* kGerman = new std::vector<absl::string_view>{
      "aber", "als",  "am",    "an",    "auch",  "auf",   "aus",   "bei",  "bis",  "da",
      "das",  "dass", "dem",   "den",   "der",   "des",   "die",   "du",   "ein",  "eine",
      "einem", "einen", "einer", "eines", "er",   "es",    "für",   "hat",  "ich",  "ihr",
      "im",   "in",   "ist",   "mit",   "nach",  "nicht", "noch",  "oder", "sich", "sie",
      "sind", "so",   "über",  "um",    "und",   "uns",   "von",   "vor",  "war",  "wie",
      "wir",  "wird", "zu",    "zum",   "zur"};
  static const auto* kSpanish = new std::vector<absl::string_view>{
      "a",    "al",   "como", "con",  "de",   "del",  "el",   "ella", "ellas", "ellos",
      "en",   "entre", "es",  "esta", "este", "esto", "ha",   "la",   "las",   "le",
      "les",  "lo",   "los",  "me",   "mi",   "más",  "no",   "nos",  "o",     "para",
      "pero", "por",  "que",  "se",   "sin",  "sobre", "su",  "sus",  "te",    "tu",
      "un",   "una",  "uno",  "y",    "ya",   "yo"};
  static const auto* kItalian = new std::vector<absl::string_view>{
      "a",    "ad",   "agli", "ai",   "al",   "alla", "alle", "anche", "che",   "chi",
      "ci",   "come", "con",  "da",   "dal",  "dalla", "degli", "dei", "del",   "della",
      "delle", "di",  "e",    "è",    "gli",  "ha",   "i",    "il",    "in",    "io",
      "la",   "le",   "lei",  "lo",   "lui",  "ma",   "mi",   "ne",    "nel",   "nella",
      "non",  "o",    "per",  "più",  "se",   "si",   "sono", "su",    "sua",   "suo",
      "sul",  "sulla", "tra", "tu",   "un",   "una",  "uno"};
  static const auto* kPortuguese = new std::vector<absl::string_view>{
      "a",   "ao",   "aos",  "as",   "com",  "como", "da",   "das",  "de",   "do",
      "dos", "e",    "é",    "ela",  "ele",  "em",   "entre", "eu",  "foi",  "há",
      "isso", "já",  "mais", "mas",  "me",   "na",   "nas",  "não",  "no",   "nos",
      "o",   "os",   "ou",   "para", "pela", "pelo", "por",  "que",  "se",   "sem",
      "seu", "sua",  "são",  "também", "te", "um",   "uma"};
  static const auto* kDutch = new std::vector<absl::string_view>{
      "aan", "als",  "bij",  "dan",  "dat",  "de",   "der",  "deze", "die",  "dit",
      "door", "een", "en",   "er",   "had",  "heeft", "het", "hij",  "hoe",  "ik",
      "in",  "is",   "je",   "maar", "met",  "mij",  "naar", "niet", "nog",  "of",
      "om",  "ons",  "ook",  "op",   "over", "te",   "tot",  "uit",  "van",  "voor",
      "was", "wat",  "we",   "wij",  "worden", "ze", "zich", "zij",  "zijn"};
  static const auto* kNone = new std::vector<absl::string_view>{};
  if (code == "en") return *kEnglish;
  if (code == "fr") return *kFrench;
  if (code == "de") return *kGerman;
  if (code == "es") return *kSpanish;
  if (code == "it") return *kItalian;
  if (code == "pt") return *kPortuguese;
  if (code == "nl") return *kDutch;
  return *kNone;
}

}  // namespace loupe
