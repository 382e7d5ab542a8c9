#include "services/common/analysis/icu_analyzer.h"

#include <zlib.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe {
namespace {

using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::Contains;

std::vector<std::string> Terms(absl::string_view text, absl::string_view lang) {
  std::vector<Token> tokens;
  IcuAnalyzer().Analyze(text, lang, &tokens);
  std::vector<std::string> terms;
  for (const auto& token : tokens) terms.push_back(token.term);
  return terms;
}

struct Case {
  const char* text;
  const char* lang;
  // Expected terms, space-separated; reviewed by hand.
  const char* terms;
};

// (text, language) -> terms. Stems are Snowball's, accents folded after.
constexpr Case kTable[] = {
    // ---- English.
    {"Nvidia's GPUs are running faster than the competitors' chips", "en",
     "nvidia gpus run faster than competitor chip"},
    {"The cats' toys in the house were jumping", "en", "cat toy hous were jump"},
    {"U.S. open-source e-mail", "en", "us open sourc e mail"},
    {"16,86% and 16.86, 2,90 or 2.90", "en", "16.86 16.86 2.90 2.90"},
    {"600 billion dollars", "en", "600 billion dollar"},
    {"a «réveil» and a ``réveil''", "en", "reveil reveil"},
    {"Nvidia’s chips", "en", "nvidia chip"},  // Typographic apostrophe.
    {"l'ancien d'entraînement", "en", "l'ancien d'entrain"},  // No elision in English.
    {"Studies studied studying", "en", "studi studi studi"},
    // ---- French.
    {"L'ancien d'entraînement qu'il jusqu'à lorsqu'elle puisqu’on", "fr", "ancien entrain"},
    {"«réveil» ``réveil'' RÉVEIL reveil réveillés", "fr", "reveil reveil reveil reveil reveil"},
    {"16,86% 600 milliards 2,90 € et 16.86", "fr", "16.86 600 milliard 2.90 16.86"},
    {"open-source e-mail U.S. aujourd’hui l'État œuvre", "fr",
     "open sourc e mail us aujourd'hui etat oeuvr"},
    {"Les présidents de la République française", "fr", "president republ francais"},
    {"Nvidia's chez Dell's", "fr", "nvidi chez del"},  // English possessive in French text.
    {"Les réveils d'Apple", "fr", "reveil apple"},
    {"L’économie s'est effondrée", "fr", "econom effondr"},
    // ---- German, Spanish, Italian.
    {"Die Häuser der Bundesregierung und Straße", "de", "haus bundesregier strass"},
    {"Las canciones más populares del año", "es", "cancion popular ano"},
    {"Dell'anno scorso l'economia italiana è cresciuta", "it",
     "anno scors econom italian cresc"},
    // ---- Unknown language: no stop words, no stemming, clitics still go.
    {"L'ancien Nvidia's réveils RÉVEIL running the", "und",
     "ancien nvidia reveils reveil running the"},
    {"Les réveils", "", "les reveils"},
};

TEST(IcuAnalyzerTest, Table) {
  for (const Case& c : kTable) {
    EXPECT_EQ(absl::StrJoin(Terms(c.text, c.lang), " "), c.terms)
        << "text: " << c.text << " lang: " << c.lang;
  }
}

TEST(IcuAnalyzerTest, AccentsFoldAfterStemming) {
  EXPECT_EQ(Terms("réveil", "fr"), Terms("reveil", "fr"));
  EXPECT_EQ(Terms("RÉVEIL", "fr"), Terms("reveil", "fr"));
  EXPECT_EQ(Terms("réveil", "und"), Terms("REVEIL", "und"));
}

TEST(IcuAnalyzerTest, StopWordsKeepTheirPositions) {
  std::vector<Token> tokens;
  IcuAnalyzer().Analyze("Les présidents de la République", "fr", &tokens);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].position, 1u);
  EXPECT_EQ(tokens[1].position, 4u);
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
  EXPECT_TRUE(Terms("", "fr").empty());
  EXPECT_TRUE(Terms(" -- «» ... ", "fr").empty());
}

TEST(IcuAnalyzerTest, ThreadsGetTheSameTerms) {
  const std::string text = "Les présidents réveillés running faster 16,86% l'économie";
  const std::vector<std::string> fr = Terms(text, "fr");
  const std::vector<std::string> en = Terms(text, "en");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (Terms(text, (i + t) % 2 ? "fr" : "en") != ((i + t) % 2 ? fr : en)) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(LOUPE_SAMPLES_DIR) + "/" + name, std::ios::binary);
  if (!in) return "";
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(IcuAnalyzerTest, SeedArticleFrench) {
  const std::string text = ReadSample("seed-article-fr.txt");
  if (text.empty()) GTEST_SKIP() << LOUPE_SAMPLES_DIR << "/seed-article-fr.txt is absent";
  std::vector<Token> tokens;
  IcuAnalyzer().Analyze(text, "fr", &tokens);
  std::vector<std::string> terms;
  for (const Token& token : tokens) terms.push_back(token.term);
  // "«réveil»", "`` réveil ''", "L'ancien", "16,86%", "600 milliards", "open-source".
  EXPECT_THAT(terms, IsSupersetOf({"reveil", "ancien", "16.86", "600", "milliard", "deepseek",
                                   "open", "sourc", "president", "americain", "nvidi"}));
  for (absl::string_view stop : {"les", "de", "la", "l", "d", "un", "à", "a"}) {
    EXPECT_THAT(terms, Not(Contains(std::string(stop))));
  }
  uint32_t last_position = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    // No quote, no upper case, no accent survives.
    for (char c : token.term) {
      EXPECT_TRUE(c != '`' && c != '"' && !(c >= 'A' && c <= 'Z')) << token.term;
    }
    EXPECT_EQ(token.term.find("\xC3"), std::string::npos) << token.term;  // No é, è, à…
    if (i > 0) {
      EXPECT_GT(token.position, last_position);
    }
    last_position = token.position;
    // Offsets: the original word, analysed alone, gives the same term.
    ASSERT_LE(token.end, text.size());
    const std::string word = text.substr(token.begin, token.end - token.begin);
    EXPECT_THAT(Terms(word, "fr"), ElementsAre(token.term)) << word;
  }
}

// The ASCII fast path (ascii_words.h) must give exactly ICU's tokens:
// random text over the characters its rules treat apart, mixed with
// non-ASCII letters, marks, spaces and symbols that send pieces to ICU.
TEST(IcuAnalyzerTest, AsciiFastPathMatchesIcuOnRandomText) {
  std::vector<std::string> alphabet = {
      "a", "B", "z", "E", "s", "t", "0", "7", "_", ".", "'", ",", ";", ":", "-", " ", " ",
      "\t", "\n", "\r", "\"", "%", "$", "/", "@", "#", "(", "`", "!", "&", ")", "*", "+",
      "<", "=", ">", "?", "[", "\\", "]", "^", "{", "|", "}", "~", "\v", "\f",
      "\x01", "\x1F", "\x7F"};
  const size_t ascii_count = alphabet.size();
  alphabet.insert(alphabet.end(), {
      "\xC3\xA9",          // é
      "\xCC\x81",          // combining acute accent
      "\xC2\xA0",          // no-break space
      "\xE2\x80\x99",      // ’
      "\xE4\xB8\xAD",      // 中
      "\xF0\x9F\x98\x80",  // 😀
      "\xE2\x80\x8D",      // zero width joiner
      "\xC2\xAD",          // soft hyphen (format)
      "\xCE\xA9",          // Ω
      "\xD7\x90",          // א (Hebrew letter)
      "\xE3\x82\xA2",      // ア (Katakana)
      "\xEF\xBC\x8C",      // fullwidth comma
  });
  const IcuAnalyzer fast(IcuAnalyzer::Segmentation::kAsciiFastPath);
  const IcuAnalyzer reference(IcuAnalyzer::Segmentation::kIcuOnly);
  std::mt19937 random(20261129);
  int mismatches = 0;
  for (int round = 0; round < 30000 && mismatches < 5; ++round) {
    // Mostly ASCII, as news text is; sometimes only ASCII.
    const bool ascii_only = round % 3 == 0;
    std::uniform_int_distribution<size_t> pick(0, ascii_only ? ascii_count - 1
                                                             : alphabet.size() - 1);
    std::uniform_int_distribution<int> length(0, 24);
    std::string text;
    for (int k = length(random); k > 0; --k) text += alphabet[pick(random)];
    for (const char* lang : {"en", "fr", "und"}) {
      std::vector<Token> expected, actual;
      reference.Analyze(text, lang, &expected);
      fast.Analyze(text, lang, &actual);
      if (actual != expected) {
        ++mismatches;
        std::string want, got;
        for (const Token& t : expected) {
          absl::StrAppend(&want, "[", t.term, " ", t.position, " ", t.begin, "-", t.end, "]");
        }
        for (const Token& t : actual) {
          absl::StrAppend(&got, "[", t.term, " ", t.position, " ", t.begin, "-", t.end, "]");
        }
        ADD_FAILURE() << "text \"" << text << "\" lang " << lang << "\n ICU:  " << want
                      << "\n fast: " << got;
      }
    }
  }
}

TEST(IcuAnalyzerTest, AsciiFastPathMatchesIcuOnTheSample) {
  const std::string text = ReadSample("seed-article-fr.txt");
  if (text.empty()) GTEST_SKIP() << LOUPE_SAMPLES_DIR << "/seed-article-fr.txt is absent";
  for (const char* lang : {"fr", "en"}) {
    std::vector<Token> expected, actual;
    IcuAnalyzer(IcuAnalyzer::Segmentation::kIcuOnly).Analyze(text, lang, &expected);
    IcuAnalyzer(IcuAnalyzer::Segmentation::kAsciiFastPath).Analyze(text, lang, &actual);
    EXPECT_TRUE(actual == expected) << lang;
  }
}

// Every `stride`-th line of the bundled sample corpus (JSON lines of English
// and French news, read whole: the JSON punctuation is text too).
std::vector<std::string> SampleCorpusLines(int stride) {
  std::vector<std::string> lines;
  gzFile file = gzopen(LOUPE_SAMPLE_CORPUS, "rb");
  if (file == nullptr) return lines;
  std::string line;
  char buffer[1 << 16];
  int index = 0;
  while (gzgets(file, buffer, sizeof(buffer)) != nullptr) {
    line += buffer;
    if (line.empty() || line.back() != '\n') continue;
    if (index++ % stride == 0) lines.push_back(line);
    line.clear();
  }
  gzclose(file);
  return lines;
}

// AnalyzeInLanguages segments a text once for all its languages: each list
// must be exactly what Analyze gives in that language, with either
// segmentation, for news text, the table's hard cases and empty text.
TEST(IcuAnalyzerTest, InLanguagesMatchesAnalyzeInEachLanguage) {
  std::vector<std::string> texts = SampleCorpusLines(/*stride=*/10);
  ASSERT_GE(texts.size(), 30u) << LOUPE_SAMPLE_CORPUS;
  for (const Case& c : kTable) texts.push_back(c.text);
  texts.push_back("");
  texts.push_back("l' d' qu' -- 's");  // words that only some languages empty
  const std::vector<std::vector<std::string>> language_sets = {
      {"und", "en", "fr"}, {"fr", "und"}, {"de"}, {"en", "fr", "es", "it", "und", "nl"}};
  for (const auto segmentation :
       {IcuAnalyzer::Segmentation::kAsciiFastPath, IcuAnalyzer::Segmentation::kIcuOnly}) {
    const IcuAnalyzer analyzer(segmentation);
    for (const std::vector<std::string>& langs : language_sets) {
      for (const std::string& text : texts) {
        std::vector<std::vector<Token>> together;
        analyzer.AnalyzeInLanguages(langs, text, &together);
        ASSERT_EQ(together.size(), langs.size());
        for (size_t l = 0; l < langs.size(); ++l) {
          std::vector<Token> alone;
          analyzer.Analyze(text, langs[l], &alone);
          if (together[l] != alone) ADD_FAILURE() << langs[l] << " " << text;
        }
      }
    }
  }
}

// AnalyzeLookingFor skips the stemming of words whose ASCII first letter no
// wanted term has, and MatchTokens the rest of their analysis. For each
// letter, the wanted terms are every term of the text that starts with it:
// each of them must come out where Analyze puts it, so a stemmer that
// changed a word's first letter would fail here (Indonesian does:
// "bermain" -> "main"), and MatchTokens must flag exactly those.
TEST(IcuAnalyzerTest, LookingForFindsTheWantedTermsAnalyzeFinds) {
  std::vector<std::string> texts = SampleCorpusLines(/*stride=*/15);
  ASSERT_GE(texts.size(), 30u) << LOUPE_SAMPLE_CORPUS;
  for (const Case& c : kTable) texts.push_back(c.text);
  const IcuAnalyzer analyzer;
  int skipped_stems = 0;
  for (const char* lang : {"en", "fr", "de", "es", "it", "pt", "nl", "id", "ga", "und"}) {
    for (const std::string& text : texts) {
      std::vector<Token> full;
      analyzer.Analyze(text, lang, &full);
      for (char letter = 'a'; letter <= 'z'; ++letter) {
        absl::flat_hash_set<std::string> wanted = {"\xC3\xA9t\xC3\xA9", "zzzz"};
        for (const Token& token : full) {
          if (token.term[0] == letter) wanted.insert(token.term);
        }
        std::vector<Token> looking;
        analyzer.AnalyzeLookingFor(text, lang, wanted, &looking);
        ASSERT_EQ(looking.size(), full.size()) << lang << " " << text;
        std::vector<TokenMatch> expected_matches;
        for (const Token& token : full) {
          expected_matches.push_back({token.begin, token.end, wanted.contains(token.term)});
        }
        std::vector<TokenMatch> matches;
        analyzer.MatchTokens(text, lang, wanted, &matches);
        EXPECT_TRUE(matches == expected_matches) << lang << " letter " << letter << " " << text;
        for (size_t i = 0; i < full.size(); ++i) {
          const std::string context =
              absl::StrCat(lang, " letter ", std::string(1, letter), " token ", i, " ",
                           full[i].term, " / ", looking[i].term);
          EXPECT_EQ(looking[i].position, full[i].position) << context;
          EXPECT_EQ(looking[i].begin, full[i].begin) << context;
          EXPECT_EQ(looking[i].end, full[i].end) << context;
          EXPECT_EQ(wanted.contains(looking[i].term), wanted.contains(full[i].term)) << context;
          if (wanted.contains(full[i].term)) {
            EXPECT_EQ(looking[i].term, full[i].term) << context;
          }
          skipped_stems += looking[i].term != full[i].term ? 1 : 0;
        }
      }
    }
  }
  // Most words were not stemmed: the point of AnalyzeLookingFor.
  EXPECT_GT(skipped_stems, 100000);
}

}  // namespace
}  // namespace loupe
