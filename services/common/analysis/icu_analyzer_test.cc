#include "services/common/analysis/icu_analyzer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Terms(absl::string_view text, absl::string_view lang = "fr") {
  std::vector<Token> tokens;
  IcuAnalyzer().Analyze(text, lang, &tokens);
  std::vector<std::string> terms;
  for (const auto& token : tokens) terms.push_back(token.term);
  return terms;
}

TEST(IcuAnalyzerTest, FoldsCaseAndAccents) {
  EXPECT_THAT(Terms("Réveil RÉVEIL reveil"), ElementsAre("reveil", "reveil", "reveil"));
}

TEST(IcuAnalyzerTest, SplitsOnPunctuationAndQuotes) {
  EXPECT_THAT(Terms("un «réveil» pour `` US Tech ''"),
              ElementsAre("un", "reveil", "pour", "us", "tech"));
}

TEST(IcuAnalyzerTest, RemovesFrenchElisionAndEnglishPossessive) {
  EXPECT_THAT(Terms("L'ancien d'entraînement qu'il"), ElementsAre("ancien", "entrainement", "il"));
  EXPECT_THAT(Terms("Nvidia's GPUs", "en"), ElementsAre("nvidia", "gpus"));
}

TEST(IcuAnalyzerTest, DecimalCommaMeetsDecimalPoint) {
  EXPECT_THAT(Terms("16,86% et 16.86"), ElementsAre("16.86", "et", "16.86"));
}

TEST(IcuAnalyzerTest, OffsetsPointIntoTheOriginalBytes) {
  const std::string text = "L'ancien président «réveil»";
  std::vector<Token> tokens;
  IcuAnalyzer().Analyze(text, "fr", &tokens);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(text.substr(tokens[0].begin, tokens[0].end - tokens[0].begin), "L'ancien");
  EXPECT_EQ(text.substr(tokens[1].begin, tokens[1].end - tokens[1].begin), "président");
  EXPECT_EQ(text.substr(tokens[2].begin, tokens[2].end - tokens[2].begin), "réveil");
  EXPECT_EQ(tokens[2].position, 2u);
}

TEST(IcuAnalyzerTest, EmptyAndPunctuationOnlyTextHaveNoTokens) {
  EXPECT_TRUE(Terms("").empty());
  EXPECT_TRUE(Terms(" -- «» ... ").empty());
}

}  // namespace
}  // namespace loupe
