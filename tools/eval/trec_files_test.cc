#include "tools/eval/trec_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace loupe::eval {
namespace {

// A file in the test's temporary folder with `content`; removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/loupe-eval-test-XXXXXX";
    const int fd = mkstemp(name);
    close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(TrecFilesTest, ReadsQrelsInThreeAndFourColumns) {
  TempFile file("query-id\tcorpus-id\tscore\nq1\td1\t2\n\nq1 0 d2 0\nq2\td3\t1\n");
  absl::StatusOr<Qrels> qrels = ReadQrels(file.path());
  ASSERT_TRUE(qrels.ok()) << qrels.status();
  EXPECT_EQ(*qrels, (Qrels{{"q1", {{"d1", 2}, {"d2", 0}}}, {"q2", {{"d3", 1}}}}));
}

TEST(TrecFilesTest, BadQrelsLineNamesTheLine) {
  TempFile file("q1\td1\t1\nq1\td2\n");
  absl::StatusOr<Qrels> qrels = ReadQrels(file.path());
  ASSERT_FALSE(qrels.ok());
  EXPECT_NE(qrels.status().message().find(":2: "), absl::string_view::npos)
      << qrels.status();
}

TEST(TrecFilesTest, ReadsQueriesWithStringOrIntegerIds) {
  TempFile file("{\"id\": \"a1\", \"text\": \"réveil \\\"nvidia\\\"\", \"extra\": 3}\n\n"
                "{\"id\": 7, \"text\": \"x\"}\n"
                "{\"_id\": \"beir-9\", \"text\": \"y\"}\n");  // BEIR's files say "_id"
  absl::StatusOr<std::vector<EvalQuery>> queries = ReadQueries(file.path());
  ASSERT_TRUE(queries.ok()) << queries.status();
  ASSERT_EQ(queries->size(), 3u);
  EXPECT_EQ((*queries)[0].id, "a1");
  EXPECT_EQ((*queries)[0].text, "réveil \"nvidia\"");
  EXPECT_EQ((*queries)[1].id, "7");
  EXPECT_EQ((*queries)[2].id, "beir-9");
}

TEST(TrecFilesTest, RejectsQueriesWithoutText) {
  TempFile file("{\"id\": \"a1\", \"title\": \"no text\"}\n");
  absl::StatusOr<std::vector<EvalQuery>> queries = ReadQueries(file.path());
  ASSERT_FALSE(queries.ok());
  EXPECT_NE(queries.status().message().find(":1: \"text\""), absl::string_view::npos)
      << queries.status();
}

TEST(TrecFilesTest, RunLineAndRoundedScoreAgree) {
  EXPECT_EQ(RunLine("q1", "doc7", 1, 12.5, "loupe"), "q1 Q0 doc7 1 12.500000 loupe\n");
  EXPECT_EQ(RunLine("q1", "d", 2, 3.14159265, "t"), "q1 Q0 d 2 3.141593 t\n");
  EXPECT_DOUBLE_EQ(RoundedScore(3.14159265), 3.141593);
  EXPECT_EQ(RoundedScore(1.0000001), RoundedScore(1.0000004));  // a tie in the file
}

}  // namespace
}  // namespace loupe::eval
