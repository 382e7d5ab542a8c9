// Analysis throughput (bytes of UTF-8 input per second, one thread) on
// English and French news-like text: the samples and the first documents of
// the shared OrangeSum (fr) and Wikipedia passages (en) corpora, read with
// zlib. Falls back to embedded text when ../shared is absent.
//
//   analysis_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <zlib.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/analysis/icu_analyzer.h"

namespace {

constexpr int kCorpusDocuments = 2000;

constexpr char kEmbeddedEnglish[] =
    "Nvidia's shares fell nearly 17% on Monday, wiping almost $600 billion off its market value, "
    "after the Chinese start-up DeepSeek released an open-source model that it said was trained "
    "for a fraction of the cost of U.S. rivals. Investors questioned whether the billions being "
    "spent on data centres would pay off. ";
constexpr char kEmbeddedFrench[] =
    "L'ancien président américain Donald Trump a décrit l'émergence de Deepseek, un nouveau "
    "modèle d'intelligence artificielle chinois, comme un «réveil» pour l'industrie de la "
    "technologie américaine, après une baisse historique de 16,86% de Nvidia qui a perdu près de "
    "600 milliards de dollars de capitalisation. ";

// Values of the JSON string field `field` in each line of a gzipped JSONL
// file (enough JSON for the benchmark: \" \\ \n \t \uXXXX in the BMP).
std::string ReadJsonlField(const std::string& path, const std::string& field, int documents) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return "";
  std::string out;
  char buffer[1 << 16];
  const std::string key = "\"" + field + "\": \"";
  const std::string compact_key = "\"" + field + "\":\"";
  int read = 0;
  while (read < documents && gzgets(file, buffer, sizeof(buffer)) != nullptr) {
    std::string line(buffer);
    size_t at = line.find(key);
    size_t skip = key.size();
    if (at == std::string::npos) {
      at = line.find(compact_key);
      skip = compact_key.size();
    }
    if (at == std::string::npos) continue;
    for (size_t i = at + skip; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] != '\\' || i + 1 >= line.size()) {
        out.push_back(line[i]);
        continue;
      }
      const char escaped = line[++i];
      if (escaped == 'u' && i + 4 < line.size()) {
        const unsigned code = static_cast<unsigned>(std::stoul(line.substr(i + 1, 4), nullptr, 16));
        i += 4;
        if (code < 0x80) {
          out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (code >> 6)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0xD800 || code > 0xDFFF) {
          out.push_back(static_cast<char>(0xE0 | (code >> 12)));
          out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
      } else {
        out.push_back(escaped == 'n' || escaped == 't' ? ' ' : escaped);
      }
    }
    out.push_back('\n');
    ++read;
  }
  gzclose(file);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string Repeat(const char* text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

const std::string& FrenchText() {
  static const std::string* text = [] {
    const std::string shared = LOUPE_SHARED_DIR;
    std::string out = ReadFile(shared + "/samples/seed-article-fr.txt");
    out += ReadJsonlField(shared + "/data/orangesum-fr/corpus.jsonl.gz", "text", kCorpusDocuments);
    if (out.size() < 100000) out += Repeat(kEmbeddedFrench, 500);
    return new std::string(std::move(out));
  }();
  return *text;
}

const std::string& EnglishText() {
  static const std::string* text = [] {
    const std::string shared = LOUPE_SHARED_DIR;
    std::string out =
        ReadJsonlField(shared + "/data/wikipedia-en-passages/corpus.jsonl.gz", "text",
                       kCorpusDocuments);
    if (out.size() < 100000) out += Repeat(kEmbeddedEnglish, 500);
    return new std::string(std::move(out));
  }();
  return *text;
}

void Analyse(benchmark::State& state, const std::string& text, const char* lang,
             const loupe::Analyzer& analyzer = *loupe::MakeDefaultAnalyzer()) {
  std::vector<loupe::Token> tokens;
  size_t token_count = 0;
  for (auto _ : state) {
    tokens.clear();
    analyzer.Analyze(text, lang, &tokens);
    token_count = tokens.size();
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.counters["input_bytes"] = static_cast<double>(text.size());
  state.counters["tokens"] = static_cast<double>(token_count);
}

void BM_AnalyzeFrench(benchmark::State& state) { Analyse(state, FrenchText(), "fr"); }
void BM_AnalyzeEnglish(benchmark::State& state) { Analyse(state, EnglishText(), "en"); }
void BM_AnalyzeFrenchUnknownLanguage(benchmark::State& state) {
  Analyse(state, FrenchText(), "und");
}
// The reference the ASCII fast path is measured against: every word through
// ICU's break iterator.
void BM_AnalyzeFrenchIcuOnly(benchmark::State& state) {
  Analyse(state, FrenchText(), "fr",
          loupe::IcuAnalyzer(loupe::IcuAnalyzer::Segmentation::kIcuOnly));
}
void BM_AnalyzeEnglishIcuOnly(benchmark::State& state) {
  Analyse(state, EnglishText(), "en",
          loupe::IcuAnalyzer(loupe::IcuAnalyzer::Segmentation::kIcuOnly));
}

// What a snippet asks of a body: which tokens are a query's terms (here
// a short English query's forms), through AnalyzeLookingFor and a lookup
// per token as snippets did, or through MatchTokens.
const absl::flat_hash_set<std::string>& SnippetQueryTerms() {
  static const auto* terms =
      new absl::flat_hash_set<std::string>{"list", "directori", "directory", "content"};
  return *terms;
}

// Times `count_wanted(analyzer, text)`, which returns how many tokens of
// the English text are SnippetQueryTerms().
template <typename CountWanted>
void SnippetAnalysis(benchmark::State& state, CountWanted count_wanted) {
  const std::unique_ptr<loupe::Analyzer> analyzer = loupe::MakeDefaultAnalyzer();
  const std::string& text = EnglishText();
  size_t wanted = 0;
  for (auto _ : state) {
    wanted = count_wanted(*analyzer, text);
    benchmark::DoNotOptimize(wanted);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.counters["wanted"] = static_cast<double>(wanted);
}

void BM_SnippetLookingForEnglish(benchmark::State& state) {
  std::vector<loupe::Token> tokens;
  SnippetAnalysis(state, [&](const loupe::Analyzer& analyzer, const std::string& text) {
    tokens.clear();
    analyzer.AnalyzeLookingFor(text, "en", SnippetQueryTerms(), &tokens);
    size_t wanted = 0;
    for (const loupe::Token& token : tokens) wanted += SnippetQueryTerms().contains(token.term);
    return wanted;
  });
}

void BM_SnippetMatchTokensEnglish(benchmark::State& state) {
  std::vector<loupe::TokenMatch> matches;
  SnippetAnalysis(state, [&](const loupe::Analyzer& analyzer, const std::string& text) {
    matches.clear();
    analyzer.MatchTokens(text, "en", SnippetQueryTerms(), &matches);
    size_t wanted = 0;
    for (const loupe::TokenMatch& match : matches) wanted += match.wanted;
    return wanted;
  });
}

BENCHMARK(BM_AnalyzeFrench)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnalyzeEnglish)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnalyzeFrenchUnknownLanguage)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnalyzeFrenchIcuOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnalyzeEnglishIcuOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnippetLookingForEnglish)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnippetMatchTokensEnglish)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
