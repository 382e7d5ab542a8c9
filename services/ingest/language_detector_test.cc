#include "services/ingest/language_detector.h"

#include "gtest/gtest.h"

namespace loupe {
namespace {

TEST(LanguageDetectorTest, DetectsFrenchAndEnglish) {
  EXPECT_EQ(DetectLanguage("La Bourse de Paris termine en hausse",
                           "Le CAC 40 a terminé la séance de vendredi en hausse de 0,8 %, porté "
                           "par les valeurs du luxe et les résultats meilleurs que prévu des "
                           "grandes banques françaises. Les investisseurs attendent désormais les "
                           "décisions de la Banque centrale européenne sur les taux d'intérêt."),
            "fr");
  EXPECT_EQ(DetectLanguage("Markets close higher",
                           "Stocks in New York finished the week higher on Friday, as investors "
                           "welcomed better than expected earnings from the largest banks and "
                           "waited for the central bank's decision on interest rates next month. "
                           "Technology shares led the gains."),
            "en");
}

TEST(LanguageDetectorTest, UndeterminedWhenUnsure) {
  EXPECT_EQ(DetectLanguage("", "12345 67890"), "und");
  EXPECT_EQ(DetectLanguage("", ""), "und");
}

}  // namespace
}  // namespace loupe
