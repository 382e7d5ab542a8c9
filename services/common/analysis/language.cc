#include "services/common/analysis/language.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "services/common/analysis/recent_keys.h"

namespace loupe {
namespace {

// ISO 639-1 -> libstemmer algorithm: every algorithm libstemmer 2.2 ships
// except "porter" (superseded by "english").
constexpr std::pair<absl::string_view, absl::string_view> kSnowball[] = {
    {"ar", "arabic"},     {"ca", "catalan"},    {"da", "danish"},     {"de", "german"},
    {"el", "greek"},      {"en", "english"},    {"es", "spanish"},    {"eu", "basque"},
    {"fi", "finnish"},    {"fr", "french"},     {"ga", "irish"},      {"hi", "hindi"},
    {"hu", "hungarian"},  {"hy", "armenian"},   {"id", "indonesian"}, {"it", "italian"},
    {"lt", "lithuanian"}, {"nb", "norwegian"},  {"ne", "nepali"},     {"nl", "dutch"},
    {"nn", "norwegian"},  {"no", "norwegian"},  {"pt", "portuguese"}, {"ro", "romanian"},
    {"ru", "russian"},    {"sr", "serbian"},    {"sv", "swedish"},    {"ta", "tamil"},
    {"tr", "turkish"},    {"yi", "yiddish"},
};

// Elided articles, prepositions and pronouns (as in Lucene's ElisionFilter
// defaults for these languages).
const std::vector<absl::string_view>& ElisionsFor(absl::string_view code) {
  static const auto* kFrench = new std::vector<absl::string_view>{
      "l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"};
  static const auto* kItalian = new std::vector<absl::string_view>{
      "c",    "l",    "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl",
      "dagl", "degl", "negl", "sugl", "un",  "m",    "t",    "s",    "v",    "d",  "quell",
      "bell", "quest", "nessun", "tutt"};
  static const auto* kCatalan =
      new std::vector<absl::string_view>{"d", "l", "m", "n", "s", "t"};
  static const auto* kNone = new std::vector<absl::string_view>{};
  if (code == "fr") return *kFrench;
  if (code == "it") return *kItalian;
  if (code == "ca") return *kCatalan;
  return *kNone;
}

std::unique_ptr<LanguageRules> BuildRules(const std::string& code) {
  auto rules = std::make_unique<LanguageRules>();
  rules->code = code;
  if (code.empty()) {
    // Unknown language: strip the clitics of every language that has them.
    for (absl::string_view lang : {"fr", "it", "ca"}) {
      for (absl::string_view prefix : ElisionsFor(lang)) {
        rules->elision_prefixes.insert(std::string(prefix));
      }
    }
    return rules;
  }
  for (const auto& [iso, algorithm] : kSnowball) {
    if (iso == code) rules->snowball_algorithm = std::string(algorithm);
  }
  // Suffix-only stemmers, checked word by word in icu_analyzer_test.
  for (absl::string_view suffix_only : {"en", "fr", "de", "es", "it", "pt", "nl"}) {
    if (code == suffix_only) rules->stem_keeps_ascii_first_letter = true;
  }
  for (absl::string_view prefix : ElisionsFor(code)) {
    rules->elision_prefixes.insert(std::string(prefix));
  }
  for (absl::string_view word : StopWordList(code)) rules->AddStopWord(word);
  return rules;
}

const LanguageRules& RulesForNormalisedCode(const std::string& code) {
  // Built once per code on first use; the set of codes is bounded (2–3
  // letters), entries are never removed, so references stay valid.
  static auto* cache = new absl::flat_hash_map<std::string, std::unique_ptr<LanguageRules>>();
  thread_local absl::flat_hash_map<std::string, const LanguageRules*> local;
  auto hit = local.find(code);
  if (hit != local.end()) return *hit->second;
  const LanguageRules* rules = nullptr;
  {
    static std::mutex* shared_mutex = new std::mutex();
    std::lock_guard<std::mutex> lock(*shared_mutex);
    auto& slot = (*cache)[code];
    if (!slot) slot = BuildRules(code);
    rules = slot.get();
  }
  local.emplace(code, rules);
  return *rules;
}

}  // namespace

std::string NormaliseLanguageCode(absl::string_view lang) {
  const size_t cut = lang.find_first_of("-_");
  if (cut != absl::string_view::npos) lang = lang.substr(0, cut);
  if (lang.size() < 2 || lang.size() > 3) return "";
  for (char c : lang) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return "";
  }
  std::string code = absl::AsciiStrToLower(lang);
  if (code == "und") return "";
  return code;
}

const LanguageRules& RulesForLanguage(absl::string_view lang) {
  // Callers analyse many texts in a few languages (a query's words in each
  // query language in turn, a batch's documents): the last codes, as
  // given, are checked before one is normalised (which allocates).
  thread_local RecentKeys<const LanguageRules*> recent;
  if (const LanguageRules* const* found = recent.Find(lang)) return **found;
  const LanguageRules& rules = RulesForNormalisedCode(NormaliseLanguageCode(lang));
  recent.Remember(lang, &rules);
  return rules;
}

std::vector<std::string> StemmedLanguageCodes() {
  std::vector<std::string> codes;
  for (const auto& [iso, algorithm] : kSnowball) codes.emplace_back(iso);
  std::sort(codes.begin(), codes.end());
  return codes;
}

}  // namespace loupe
