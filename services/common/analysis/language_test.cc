#include "services/common/analysis/language.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/analysis/snowball_stemmer.h"
#include "services/common/analysis/token_filters.h"

namespace loupe {
namespace {

TEST(LanguageTest, NormalisesCodes) {
  EXPECT_EQ(NormaliseLanguageCode("fr"), "fr");
  EXPECT_EQ(NormaliseLanguageCode("FR"), "fr");
  EXPECT_EQ(NormaliseLanguageCode("fr-CA"), "fr");
  EXPECT_EQ(NormaliseLanguageCode("pt_BR"), "pt");
  EXPECT_EQ(NormaliseLanguageCode(""), "");
  EXPECT_EQ(NormaliseLanguageCode("und"), "");
  EXPECT_EQ(NormaliseLanguageCode("x"), "");
  EXPECT_EQ(NormaliseLanguageCode("french"), "");
  EXPECT_EQ(NormaliseLanguageCode("f1"), "");
}

TEST(LanguageTest, EveryLibstemmerAlgorithmHasACode) {
  std::set<std::string> reachable;
  for (const std::string& code : StemmedLanguageCodes()) {
    const LanguageRules& rules = RulesForLanguage(code);
    EXPECT_EQ(rules.code, code);
    ASSERT_FALSE(rules.snowball_algorithm.empty()) << code;
    std::string stem;
    EXPECT_TRUE(SnowballStem(rules.snowball_algorithm, "test", &stem)) << code;
    reachable.insert(rules.snowball_algorithm);
  }
  for (const std::string& algorithm : SnowballAlgorithms()) {
    if (algorithm == "porter") continue;  // Superseded by "english".
    EXPECT_TRUE(reachable.count(algorithm)) << algorithm << " has no ISO 639-1 code";
  }
}

TEST(LanguageTest, CodesAskedInTurnGetTheirOwnRules) {
  // More codes than RulesForLanguage remembers, in several spellings, in
  // turn and in a scrambled order.
  const std::vector<std::pair<std::string, std::string>> codes = {
      {"fr", "fr"}, {"en", "en"}, {"", ""},          {"und", ""},
      {"FR", "fr"}, {"de-DE", "de"}, {"it_IT", "it"}, {"a-very-long-language-tag", ""},
      {"es", "es"}};
  for (int round = 0; round < 5; ++round) {
    for (size_t i = 0; i < codes.size(); ++i) {
      const auto& [given, expected] = codes[(i * (round + 1) + round) % codes.size()];
      EXPECT_EQ(RulesForLanguage(given).code, expected) << given << ", round " << round;
    }
  }
}

TEST(LanguageTest, UnknownLanguagesNeitherStemNorStop) {
  for (absl::string_view lang : {"", "und", "xx", "zh"}) {
    const LanguageRules& rules = RulesForLanguage(lang);
    EXPECT_TRUE(rules.snowball_algorithm.empty()) << lang;
    EXPECT_TRUE(rules.stop_words.empty()) << lang;
  }
  EXPECT_FALSE(RulesForLanguage("und").elision_prefixes.empty());
}

TEST(LanguageTest, StopListsAreSmallFoldedAndCovered) {
  for (absl::string_view lang : {"en", "fr", "de", "es", "it", "pt", "nl"}) {
    const std::vector<absl::string_view>& words = StopWordList(lang);
    EXPECT_GE(words.size(), 30u) << lang;
    EXPECT_LE(words.size(), 80u) << lang;
    for (absl::string_view word : words) {
      // Stored exactly as the analyser compares them: case-folded.
      EXPECT_EQ(FoldCase(icu::UnicodeString::fromUTF8(
                    icu::StringPiece(word.data(), static_cast<int32_t>(word.size())))),
                word)
          << lang << " " << word;
    }
  }
  EXPECT_TRUE(RulesForLanguage("fr").IsStopWord("à"));
  EXPECT_TRUE(RulesForLanguage("en").IsStopWord("the"));
  EXPECT_FALSE(RulesForLanguage("en").IsStopWord("les"));
  EXPECT_TRUE(StopWordList("ru").empty());
}

// IsStopWord's first-byte and length filter never hides a stop word:
// every listed word is one, and words one letter away from them (longer,
// shorter, another first or last letter) are stop words exactly when the
// set has them.
TEST(LanguageTest, StopWordFilterAgreesWithTheList) {
  for (absl::string_view lang : {"en", "fr", "de", "es", "it", "pt", "nl"}) {
    const LanguageRules& rules = RulesForLanguage(lang);
    for (absl::string_view word : StopWordList(lang)) {
      EXPECT_TRUE(rules.IsStopWord(word)) << lang << " " << word;
      const std::string w(word);
      for (const std::string& near :
           {w + "s", "s" + w, w.substr(1), w.substr(0, w.size() - 1), "x" + w.substr(1),
            w.substr(0, w.size() - 1) + "x", std::string(40, 'a') + w}) {
        EXPECT_EQ(rules.IsStopWord(near), rules.stop_words.contains(near)) << lang << " " << near;
      }
    }
  }
}

TEST(SnowballStemmerTest, StemsAndRejectsUnknownAlgorithms) {
  std::string stem;
  ASSERT_TRUE(SnowballStem("french", "réveillés", &stem));
  EXPECT_EQ(stem, "réveil");
  ASSERT_TRUE(SnowballStem("english", "running", &stem));
  EXPECT_EQ(stem, "run");
  stem = "unchanged";
  EXPECT_FALSE(SnowballStem("klingon", "qapla", &stem));
  EXPECT_EQ(stem, "unchanged");
}

// Remembered stems must be the stems: the same answers for words seen
// again, across algorithms, and after the cache has been emptied.
TEST(SnowballStemmerTest, RememberedStemsEqualFreshOnes) {
  std::vector<std::pair<std::string, std::string>> expected;
  std::string stem;
  for (int i = 0; i < 40000; ++i) {
    const std::string word = "réveillés" + std::to_string(i % 20000) + (i % 3 == 0 ? "ing" : "s");
    const char* algorithm = i % 2 == 0 ? "french" : "english";
    ASSERT_TRUE(SnowballStem(algorithm, word, &stem));
    if (i < 100) expected.emplace_back(word, stem);
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(SnowballStem(i % 2 == 0 ? "french" : "english", expected[i].first, &stem));
    EXPECT_EQ(stem, expected[i].second) << expected[i].first;
  }
  ASSERT_TRUE(SnowballStem("english", "running", &stem));
  ASSERT_TRUE(SnowballStem("english", "running", &stem));
  EXPECT_EQ(stem, "run");
  ASSERT_TRUE(SnowballStem("french", "running", &stem));
  EXPECT_EQ(stem, "running");
  // Longer than a remembered word may be: stemmed every time.
  const std::string long_word = "anticonstitutionnellementréveillés";
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(SnowballStem("french", long_word, &stem));
    EXPECT_EQ(stem, "anticonstitutionnellementréveil");
  }
}

}  // namespace
}  // namespace loupe
