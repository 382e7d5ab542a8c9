#include "tools/eval/query_text.h"

#include <gtest/gtest.h>

namespace loupe::eval {
namespace {

TEST(QueryTextTest, RemovesEverySyntaxCharacter) {
  EXPECT_EQ(ToBagOfWords("What is \"open-source\" (OSS)? -5 AND title:x^2"),
            "What is open-source OSS ? 5 and title x 2");
  EXPECT_EQ(ToBagOfWords("prefix* body: ^3 +required --x +-y"), "prefix body 3 required x y");
}

TEST(QueryTextTest, KeepsWordInternalHyphensAndPlus) {
  EXPECT_EQ(ToBagOfWords("COVID-19 c++ e-mail 1.5-fold"), "COVID-19 c++ e-mail 1.5-fold");
}

TEST(QueryTextTest, OnlyUpperCaseOperatorsAreLowered) {
  EXPECT_EQ(ToBagOfWords("cats AND dogs OR birds and Or ANDROID"),
            "cats and dogs or birds and Or ANDROID");
}

TEST(QueryTextTest, CollapsesWhitespaceAndCanBeEmpty) {
  EXPECT_EQ(ToBagOfWords("  a\t\nb  "), "a b");
  EXPECT_EQ(ToBagOfWords(" - + \"\" () ^ * : "), "");
  EXPECT_EQ(ToBagOfWords(""), "");
}

TEST(QueryTextTest, LeavesNonAsciiTextAlone) {
  EXPECT_EQ(ToBagOfWords("«réveil» d'entraînement: 16,86%"), "«réveil» d'entraînement 16,86%");
}

}  // namespace
}  // namespace loupe::eval
