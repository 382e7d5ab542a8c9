#include "services/common/analysis/token_filters.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/analysis/language.h"

namespace loupe {
namespace {

std::string Elided(absl::string_view lang, std::string word) {
  StripElision(RulesForLanguage(lang).elision_prefixes, &word);
  return word;
}

// The analyser skips the filters for a-z words (IsLowercaseAsciiWord):
// random words over letters, digits, marks and accents, told apart as
// [a-z]+ is, and every filter leaves the a-z ones as they are.
TEST(TokenFiltersTest, LowercaseAsciiWordsPassEveryFilterUnchanged) {
  const std::vector<std::string> pieces = {"a", "l", "s", "d", "qu", "z",      "m", "A", "0",
                                           "7", "'", ".", ",", "-",  "\u2019", "é", "œ", "ß"};
  std::mt19937 random(5);
  for (int i = 0; i < 20000; ++i) {
    std::string word;
    const int length = static_cast<int>(random() % 6);
    for (int j = 0; j < length; ++j) word += pieces[random() % pieces.size()];
    const bool letters_only =
        std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    ASSERT_EQ(IsLowercaseAsciiWord(word), !word.empty() && letters_only) << word;
    if (!IsLowercaseAsciiWord(word)) continue;
    std::string filtered = word;
    NormaliseApostrophes(&filtered);
    for (const char* lang : {"fr", "it", "ca", "en", "und"}) {
      StripElision(RulesForLanguage(lang).elision_prefixes, &filtered);
    }
    StripPossessive(&filtered);
    JoinAcronym(&filtered);
    EXPECT_FALSE(NormaliseNumber(&filtered)) << word;
    EXPECT_EQ(FoldAccents(filtered), word);
  }
}

TEST(TokenFiltersTest, FoldCase) {
  EXPECT_EQ(FoldCase(u"RÉVEIL"), "réveil");
  EXPECT_EQ(FoldCase(u"Straße"), "strasse");
  EXPECT_EQ(FoldCase(u"ＡＢＣ"), "abc");  // NFKC: full-width letters.
  EXPECT_EQ(FoldCase(u"Nvidia"), "nvidia");
}

TEST(TokenFiltersTest, Elision) {
  std::string word = "l\u2019ancien";
  NormaliseApostrophes(&word);
  EXPECT_EQ(word, "l'ancien");
  EXPECT_EQ(Elided("fr", "l'ancien"), "ancien");
  EXPECT_EQ(Elided("fr", "jusqu'ici"), "ici");
  EXPECT_EQ(Elided("fr", "lorsqu'il"), "il");
  EXPECT_EQ(Elided("fr", "aujourd'hui"), "aujourd'hui");  // Not an elided article.
  EXPECT_EQ(Elided("fr", "l'"), "l'");                    // Nothing follows.
  EXPECT_EQ(Elided("it", "dell'anno"), "anno");
  EXPECT_EQ(Elided("ca", "l'any"), "any");
  EXPECT_EQ(Elided("en", "l'ancien"), "l'ancien");  // English has no elision.
  EXPECT_EQ(Elided("und", "dell'anno"), "anno");    // Unknown: every elision.
}

TEST(TokenFiltersTest, PossessiveAndAcronym) {
  std::string word = "nvidia's";
  StripPossessive(&word);
  EXPECT_EQ(word, "nvidia");
  word = "'s";
  StripPossessive(&word);
  EXPECT_EQ(word, "'s");
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"u.s", "us"}, {"u.s.a", "usa"}, {"foo.bar", "foo.bar"}, {"a.b.", "a.b."},
           {"u", "u"}, {"1.2", "1.2"}}) {
    JoinAcronym(&in);
    EXPECT_EQ(in, out);
  }
}

TEST(TokenFiltersTest, Numbers) {
  std::string word = "16,86";
  EXPECT_TRUE(NormaliseNumber(&word));
  EXPECT_EQ(word, "16.86");
  word = "r1";
  EXPECT_TRUE(NormaliseNumber(&word));
  word = "deepseek";
  EXPECT_FALSE(NormaliseNumber(&word));
}

TEST(TokenFiltersTest, FoldAccents) {
  EXPECT_EQ(FoldAccents("réveil"), "reveil");
  EXPECT_EQ(FoldAccents("entraînement"), "entrainement");
  EXPECT_EQ(FoldAccents("œuvre"), "oeuvre");
  EXPECT_EQ(FoldAccents("søren"), "soren");
  EXPECT_EQ(FoldAccents("año"), "ano");
  EXPECT_EQ(FoldAccents("plain"), "plain");
  // Other scripts keep their marks, recomposed: Cyrillic й is a letter.
  EXPECT_EQ(FoldAccents("й"), "й");
  EXPECT_EQ(FoldAccents("हिन्दी"), "हिन्दी");
}

}  // namespace
}  // namespace loupe
