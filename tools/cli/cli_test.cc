// Unit tests of the `loupe` client's file reading, JSON conversion, date
// parsing and output formatting (no server needed).
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tools/cli/batch_sender.h"
#include "tools/cli/corpus_reader.h"
#include "tools/cli/ingest_command.h"
#include "tools/cli/json_document.h"
#include "tools/cli/output_format.h"
#include "tools/cli/progress.h"
#include "tools/cli/rpc_errors.h"
#include "tools/cli/search_command.h"

namespace loupe::cli {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "/cli_test_XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string path = path_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string WriteGzip(const std::string& name, const std::string& content) const {
    const std::string path = path_ + "/" + name;
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, content.data(), static_cast<unsigned>(content.size()));
    gzclose(file);
    return path;
  }

 private:
  std::string path_;
};

struct ReadResult {
  std::vector<CorpusRecord> records;
  std::vector<std::string> warnings;
  absl::Status status;
  int64_t bad_lines = 0;
};

ReadResult ReadAll(const std::string& path, CorpusReader::Options options = {}) {
  ReadResult result;
  auto reader = CorpusReader::Open(path, options);
  if (!reader.ok()) {
    result.status = reader.status();
    return result;
  }
  while (true) {
    CorpusRecord record;
    absl::StatusOr<bool> more = (*reader)->Next(&record);
    for (auto& warning : (*reader)->TakeWarnings()) result.warnings.push_back(warning);
    if (!more.ok()) {
      result.status = more.status();
      break;
    }
    if (!*more) break;
    result.records.push_back(std::move(record));
  }
  result.bad_lines = (*reader)->bad_lines();
  return result;
}

const char kCorpus[] =
    R"({"id": "2", "title": "Olivier Véran", "text": "Cette décision", "date": "2020-07-02", "source": "Orange Actu", "lang": "fr", "orangesum_title_split": "train", "abstract": "short"})"
    "\n"
    "\r\n"  // an empty line (CRLF) is skipped
    R"({"id": 12, "title": "T", "text": "body two", "url": "https://x.test/a", "category": "tech", "structured": false, "date": "yesterday"})"
    "\r\n"
    R"({"id": "c", "text": "no trailing newline", "date": "2025-01-27T10:30:00.5+02:00"})";

// ---------------------------------------------------------------- dates

TEST(ParseDocumentDateTest, AcceptsIsoAndPlainDates) {
  EXPECT_EQ(ParseDocumentDate("2020-07-02"), absl::FromCivil(absl::CivilDay(2020, 7, 2),
                                                             absl::UTCTimeZone()));
  EXPECT_EQ(ParseDocumentDate("2020-07-02T10:00:00Z"),
            absl::FromCivil(absl::CivilSecond(2020, 7, 2, 10, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseDocumentDate("2020-07-02T10:00:00+02:00"),
            absl::FromCivil(absl::CivilSecond(2020, 7, 2, 8, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseDocumentDate("2020-07-02 10:00:00"),
            absl::FromCivil(absl::CivilSecond(2020, 7, 2, 10, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseDocumentDate("2020-07-02T10:00"),
            absl::FromCivil(absl::CivilSecond(2020, 7, 2, 10, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseDocumentDate("Thu, 02 Jul 2020 10:00:00 +0200"),
            absl::FromCivil(absl::CivilSecond(2020, 7, 2, 8, 0, 0), absl::UTCTimeZone()));
  const auto fractional = ParseDocumentDate("2020-07-02T10:00:00.250Z");
  ASSERT_TRUE(fractional.has_value());
  EXPECT_EQ(*fractional - absl::FromCivil(absl::CivilSecond(2020, 7, 2, 10, 0, 0),
                                          absl::UTCTimeZone()),
            absl::Milliseconds(250));
}

TEST(ParseDocumentDateTest, RejectsGarbageAndOutOfRangeYears) {
  EXPECT_FALSE(ParseDocumentDate("yesterday").has_value());
  EXPECT_FALSE(ParseDocumentDate("2020-13-45").has_value());
  EXPECT_FALSE(ParseDocumentDate("2020-07-02 and more").has_value());
  EXPECT_FALSE(ParseDocumentDate("").has_value());
  EXPECT_FALSE(ParseDocumentDate("1850-01-01").has_value());
  EXPECT_FALSE(ParseDocumentDate("2200-01-01").has_value());
  EXPECT_TRUE(ParseDocumentDate("1900-01-01").has_value());
}

// ---------------------------------------------------------------- JSON

TEST(JsonLineToDocumentTest, MapsKnownFieldsAndShortStringsToTags) {
  loupe::v1::Document document;
  std::vector<std::string> warnings;
  ASSERT_TRUE(JsonLineToDocument(
                  R"({"id": 7, "title": "T", "body": "B", "lang": null, "author": "Slater, M.",
                      "abstract": "prose is never a tag", "tags": {"k": "v"},
                      "long": ")" + std::string(200, 'x') + R"(", "n": 3})",
                  &document, &warnings)
                  .ok());
  EXPECT_EQ(document.id(), "7");
  EXPECT_EQ(document.title(), "T");
  EXPECT_EQ(document.body(), "B");
  EXPECT_EQ(document.lang(), "");
  EXPECT_EQ(document.tags().size(), 2);
  EXPECT_EQ(document.tags().at("author"), "Slater, M.");
  EXPECT_EQ(document.tags().at("k"), "v");
  EXPECT_FALSE(document.has_published_at());
  EXPECT_TRUE(warnings.empty());
}

// BEIR's corpus files name the id "_id"; it is the id, not a tag.
TEST(JsonLineToDocumentTest, ReadsBeirsUnderscoreId) {
  loupe::v1::Document document;
  std::vector<std::string> warnings;
  ASSERT_TRUE(JsonLineToDocument(R"({"_id": "4983", "title": "T", "text": "B"})", &document,
                                 &warnings)
                  .ok());
  EXPECT_EQ(document.id(), "4983");
  EXPECT_TRUE(document.tags().empty());
  // "id" wins when both are there.
  ASSERT_TRUE(
      JsonLineToDocument(R"({"_id": "x", "id": 12, "text": "B"})", &document, &warnings).ok());
  EXPECT_EQ(document.id(), "12");
}

TEST(JsonLineToDocumentTest, RejectsWrongTypesAndNonObjects) {
  loupe::v1::Document document;
  std::vector<std::string> warnings;
  absl::Status status = JsonLineToDocument(R"({"id": "a", "title": 3})", &document, &warnings);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("\"title\" must be a string"), absl::string_view::npos);
  EXPECT_FALSE(JsonLineToDocument(R"({"id": 1.5})", &document, &warnings).ok());
  EXPECT_FALSE(JsonLineToDocument(R"([1, 2])", &document, &warnings).ok());
  EXPECT_FALSE(JsonLineToDocument(R"({"id": "a", )", &document, &warnings).ok());
  EXPECT_FALSE(JsonLineToDocument(R"({"text": "x", "tags": {"k": 1}})", &document, &warnings).ok());
  status = JsonLineToDocument(R"({"id": "a", "text": " \n "})", &document, &warnings);
  EXPECT_NE(status.message().find("\"text\" is missing or empty, and so is \"title\""),
            absl::string_view::npos);
  EXPECT_FALSE(JsonLineToDocument(R"({"id": "a", "title": " ", "text": ""})", &document, &warnings)
                   .ok());
}

TEST(JsonLineToDocumentTest, AHeadlineAloneIsADocument) {
  loupe::v1::Document document;
  std::vector<std::string> warnings;
  ASSERT_TRUE(
      JsonLineToDocument(R"({"id": "a", "title": "Storm hits the coast"})", &document, &warnings)
          .ok());
  EXPECT_EQ(document.title(), "Storm hits the coast");
  EXPECT_TRUE(document.body().empty());
  ASSERT_TRUE(JsonLineToDocument(R"({"id": "b", "title": "Markets fall", "text": ""})", &document,
                                 &warnings)
                  .ok());
  EXPECT_EQ(document.title(), "Markets fall");
}

// ---------------------------------------------------------------- corpus files

TEST(CorpusReaderTest, ReadsJsonLinesWithLineNumbersDatesAndWarnings) {
  TempDir dir;
  const ReadResult result = ReadAll(dir.Write("corpus.jsonl", kCorpus));
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(result.records.size(), 3u);
  const auto& first = result.records[0];
  EXPECT_EQ(first.line, 1);
  EXPECT_EQ(first.document.id(), "2");
  EXPECT_EQ(first.document.title(), "Olivier Véran");
  EXPECT_EQ(first.document.body(), "Cette décision");
  EXPECT_EQ(first.document.source(), "Orange Actu");
  EXPECT_EQ(first.document.lang(), "fr");
  EXPECT_EQ(first.document.published_at().seconds(), 1593648000);  // 2020-07-02T00:00:00Z
  EXPECT_EQ(first.document.tags().at("orangesum_title_split"), "train");
  EXPECT_EQ(first.document.tags().count("abstract"), 0u);

  const auto& second = result.records[1];
  EXPECT_EQ(second.line, 3);
  EXPECT_EQ(second.document.id(), "12");
  EXPECT_EQ(second.document.url(), "https://x.test/a");
  EXPECT_EQ(second.document.tags().at("category"), "tech");
  EXPECT_EQ(second.document.tags().count("structured"), 0u);
  EXPECT_FALSE(second.document.has_published_at());
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("corpus.jsonl:3: unparsable date \"yesterday\""),
            std::string::npos)
      << result.warnings[0];

  const auto& third = result.records[2];
  EXPECT_EQ(third.line, 4);
  EXPECT_EQ(third.document.body(), "no trailing newline");
  EXPECT_EQ(third.document.published_at().seconds(), 1737966600);  // 08:30:00Z
  EXPECT_EQ(third.document.published_at().nanos(), 500000000);
}

TEST(CorpusReaderTest, GzipGivesTheSameRecordsAndCountsCompressedBytes) {
  TempDir dir;
  std::string big;
  for (int i = 0; i < 5000; ++i) {
    big += absl::StrCat(R"({"id": "d)", i, R"(", "text": "body )", i, " ",
                        std::string(100, 'a' + i % 26), "\"}\n");
  }
  const std::string path = dir.WriteGzip("big.jsonl.gz", big);
  auto reader = CorpusReader::Open(path, {});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->format(), CorpusFormat::kJsonLines);
  CorpusRecord record;
  int count = 0;
  uint64_t last_bytes = 0;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&record);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    EXPECT_EQ(record.line, count + 1);
    EXPECT_EQ(record.document.id(), absl::StrCat("d", count));
    EXPECT_GE((*reader)->file_bytes_read(), last_bytes);
    last_bytes = (*reader)->file_bytes_read();
    ++count;
  }
  EXPECT_EQ(count, 5000);
  EXPECT_EQ((*reader)->file_bytes_read(), (*reader)->file_size());
  EXPECT_LT((*reader)->file_size(), big.size() / 4);  // compressed size, not text size

  const ReadResult small = ReadAll(dir.WriteGzip("c.jsonl.gz", kCorpus));
  ASSERT_TRUE(small.status.ok());
  ASSERT_EQ(small.records.size(), 3u);
  EXPECT_EQ(small.records[2].line, 4);
}

TEST(CorpusReaderTest, MalformedLineIsAnErrorWithFileAndLine) {
  TempDir dir;
  const std::string content =
      "{\"id\": \"a\", \"text\": \"ok\"}\n{\"id\": \"b\", \"text\": \n{\"id\": \"c\", \"text\": \"ok\"}\n";
  const ReadResult strict = ReadAll(dir.Write("bad.jsonl", content));
  EXPECT_EQ(strict.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(strict.status.message().find("bad.jsonl:2: invalid JSON"), absl::string_view::npos)
      << strict.status;
  EXPECT_EQ(strict.records.size(), 1u);

  CorpusReader::Options skip;
  skip.skip_bad_lines = true;
  const ReadResult lenient = ReadAll(dir.Write("bad.jsonl", content), skip);
  ASSERT_TRUE(lenient.status.ok());
  ASSERT_EQ(lenient.records.size(), 2u);
  EXPECT_EQ(lenient.records[1].line, 3);
  EXPECT_EQ(lenient.bad_lines, 1);
  ASSERT_EQ(lenient.warnings.size(), 1u);
  EXPECT_NE(lenient.warnings[0].find("bad.jsonl:2:"), std::string::npos);
}

TEST(CorpusReaderTest, TruncatedGzipIsDataLoss) {
  TempDir dir;
  std::string big;
  for (int i = 0; i < 2000; ++i) big += absl::StrCat(R"({"id": "d)", i, R"(", "text": "x"})", "\n");
  const std::string path = dir.WriteGzip("t.jsonl.gz", big);
  std::string compressed;
  {
    std::ifstream in(path, std::ios::binary);
    compressed.assign(std::istreambuf_iterator<char>(in), {});
  }
  const ReadResult result =
      ReadAll(dir.Write("t2.jsonl.gz", compressed.substr(0, compressed.size() / 2)));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDataLoss) << result.status;
}

TEST(CorpusReaderTest, MissingFileFails) {
  EXPECT_EQ(ReadAll("/nonexistent/x.jsonl").status.code(), absl::StatusCode::kNotFound);
}

TEST(CorpusReaderTest, TextAndHtmlFilesAreOneDocument) {
  TempDir dir;
  CorpusReader::Options options;
  options.single_document_id = "seed";
  const ReadResult text =
      ReadAll(dir.Write("article.txt", "\n\n  Le titre \nLigne deux.\n{not json}\n"), options);
  ASSERT_TRUE(text.status.ok());
  ASSERT_EQ(text.records.size(), 1u);
  EXPECT_EQ(text.records[0].document.id(), "seed");
  EXPECT_EQ(text.records[0].document.title(), "Le titre");
  EXPECT_EQ(text.records[0].document.body(), "\n\n  Le titre \nLigne deux.\n{not json}\n");
  EXPECT_EQ(text.records[0].document.content_type(), "");

  const std::string html =
      "<html><head><TITLE>\n  Caf&eacute; &amp; news\n</TITLE></head><body>x</body></html>";
  const ReadResult page = ReadAll(dir.Write("page.html", html));
  ASSERT_TRUE(page.status.ok());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].document.id(), "");
  EXPECT_EQ(page.records[0].document.title(), "Caf&eacute; & news");  // named entities: server
  EXPECT_EQ(page.records[0].document.content_type(), "text/html");
  EXPECT_EQ(page.records[0].document.body(), html);
}

TEST(CorpusReaderTest, FormatForPath) {
  EXPECT_EQ(FormatForPath("a/corpus.jsonl.gz"), CorpusFormat::kJsonLines);
  EXPECT_EQ(FormatForPath("x.JSON"), CorpusFormat::kJsonLines);
  EXPECT_EQ(FormatForPath("x.ndjson"), CorpusFormat::kJsonLines);
  EXPECT_EQ(FormatForPath("x.htm"), CorpusFormat::kHtml);
  EXPECT_EQ(FormatForPath("x.txt"), CorpusFormat::kText);
  EXPECT_EQ(FormatForPath("README"), CorpusFormat::kText);
}

// ---------------------------------------------------------------- progress

TEST(ProgressTest, FormatEta) {
  EXPECT_EQ(FormatEta(7.2), "0:07");
  EXPECT_EQ(FormatEta(754), "12:34");
  EXPECT_EQ(FormatEta(3723), "1:02:03");
  EXPECT_EQ(FormatEta(-1), "--:--");
}

TEST(ProgressTest, BarWithKnownTotal) {
  ProgressSnapshot snapshot;
  snapshot.documents = 12345;
  snapshot.bytes_read = 25'000'000;
  snapshot.bytes_total = 100'000'000;
  snapshot.elapsed_seconds = 5;
  const std::string line = FormatProgressBar(snapshot, 120);
  EXPECT_EQ(line,
            "12,345 docs  2,469 docs/s  25.0 MB/100 MB  [#######.......................]   25%  "
            "ETA 0:15");
  EXPECT_LE(FormatProgressBar(snapshot, 60).size(), 60u);
  EXPECT_EQ(FormatProgressBar(snapshot, 60).find('['), std::string::npos);  // no room for a bar
  EXPECT_EQ(FormatProgressLog(snapshot),
            "progress: 12,345 docs, 2,469 docs/s, 25.0 MB of 100 MB read (25%), ETA 0:15");
}

TEST(ProgressTest, UnknownTotalHasNoPercentage) {
  ProgressSnapshot snapshot;
  snapshot.documents = 10;
  snapshot.bytes_read = 1500;
  snapshot.elapsed_seconds = 0;
  EXPECT_EQ(FormatProgressBar(snapshot, 80), "10 docs  0 docs/s  1.50 KB");
  EXPECT_EQ(FormatProgressLog(snapshot), "progress: 10 docs, 0 docs/s, 1.50 KB read");
}

TEST(ProgressTest, ReporterPrintsLogLinesAndMessages) {
  TempDir dir;
  const std::string path = dir.Write("progress.log", "");
  FILE* out = std::fopen(path.c_str(), "w");
  {
    ProgressReporter reporter(out, /*terminal=*/false, /*bytes_total=*/0);
    reporter.Start();
    reporter.AddDocuments(5);
    reporter.Print("a warning");
    EXPECT_EQ(reporter.Snapshot().documents, 5);
    reporter.Stop();
  }
  std::fclose(out);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "a warning\n");  // no log line before 10 s, nothing on stop
}

// ---------------------------------------------------------------- output

TEST(OutputFormatTest, Snippets) {
  EXPECT_EQ(RenderSnippet("a <mark>cat</mark> &amp; a&#233;\n<mark>dog</mark>", false),
            "a [cat] & aé [dog]");
  EXPECT_EQ(RenderSnippet("<mark>x</mark>", true), "\033[1mx\033[0m");
  EXPECT_EQ(HtmlUnescape("&lt;b&gt; &#x41; &bogus; & &quot;"), "<b> A &bogus; & \"");
}

TEST(OutputFormatTest, NumbersAndText) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(2'762'690), "2.76 MB");
  EXPECT_EQ(FormatBytes(118'801'637), "119 MB");
  EXPECT_EQ(TruncateUtf8("é", 1), "");
  EXPECT_EQ(Ellipsize("Véronique", 4), "Vér…");
  EXPECT_EQ(Ellipsize("abc", 3), "abc");
}

TEST(SearchFormatTest, TableFooterAndMissingShards) {
  loupe::v1::SearchResponse response;
  auto* hit = response.add_hits();
  hit->set_id("doc-1");
  hit->set_score(12.3456);
  hit->set_title("Un titre");
  hit->set_source("bbc");
  hit->set_snippet("the <mark>cat</mark>");
  hit->mutable_published_at()->set_seconds(1593648000);
  response.set_total_hits(42);
  response.mutable_took()->set_nanos(12'000'000);
  response.add_answered_shards(0);
  auto* missing = response.add_missing_shards();
  missing->set_shard(1);
  missing->set_address("h:50062");
  missing->set_error("UNAVAILABLE: down");
  const std::string text = FormatSearchResults(response, 10, /*ansi=*/false);
  EXPECT_NE(text.find("  11    12.346  doc-1  2020-07-02  bbc     Un titre\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("      the [cat]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hits 11-11 of 42 total, took 12 ms, shards answered 1/2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("WARNING: partial result, missing shard 1 (h:50062): UNAVAILABLE: down"),
            std::string::npos)
      << text;
}

// ---------------------------------------------------------------- ingest helpers

TEST(IngestTest, SummaryAndFieldMapping) {
  IngestTally tally;
  tally.created = 5183;
  EXPECT_EQ(FormatIngestSummary(tally, 3.2, 0),
            "ingested 5,183 documents (5,183 created, 0 updated, 0 unchanged) in 3.2 s, "
            "1,619 docs/s");
  IngestBatch batch;
  batch.origins = {{0, 7}, {1, 12}};
  const std::vector<std::string> files = {"a.jsonl", "b.jsonl"};
  EXPECT_EQ(DescribeBatchField("documents[1].body", &batch, files), "b.jsonl:12: body");
  EXPECT_EQ(DescribeBatchField("documents[0]", &batch, files), "a.jsonl:7: document");
  EXPECT_EQ(DescribeBatchField("documents[5].id", &batch, files), "documents[5].id");
  EXPECT_EQ(DescribeBatchField("documents[1].id", nullptr, files), "documents[1].id");
}

TEST(RpcErrorsTest, PrintsBadRequestViolations) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("documents[0].body");
  violation->set_description("is required");
  google::rpc::Status details;
  details.set_code(3);
  details.set_message("invalid document");
  details.add_details()->PackFrom(bad_request);
  const grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, "invalid document",
                            details.SerializeAsString());
  IngestBatch batch;
  batch.origins = {{0, 3}};
  EXPECT_EQ(FormatRpcError("ingest", status,
                           [&](absl::string_view field) {
                             return DescribeBatchField(field, &batch, {"f.jsonl"});
                           }),
            "loupe: ingest: INVALID_ARGUMENT: invalid document\n  f.jsonl:3: body: is required");
  EXPECT_FALSE(ErrorInfoOf(status).has_value());
}

}  // namespace
}  // namespace loupe::cli
