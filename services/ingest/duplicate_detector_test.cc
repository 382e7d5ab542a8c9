#include "services/ingest/duplicate_detector.h"

#include <array>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/common/hashing.h"
#include "services/common/rocksdb_store.h"
#include "services/ingest/test_util.h"

namespace loupe {
namespace {

// A news-like story of about 400 words.
std::string Story() {
  const std::vector<std::string> sentences = {
      "The central bank kept its main interest rate unchanged on Thursday",
      "saying that inflation had eased for a third month in a row",
      "but warned that wage growth and energy prices could push it up again",
      "Markets had expected the decision and shares moved little after it",
      "while the currency rose slightly against the dollar in late trading",
      "The governor told reporters that the committee was divided",
      "with two members voting for a cut of a quarter point",
      "Analysts now expect the first cut in the spring if the data allow",
      "Retail sales figures published on the same day showed a small drop",
      "as households spent less on clothing and furniture before the holidays",
      "Economists said the labour market remained tight in most regions",
      "although hiring slowed in construction and manufacturing",
      "The finance minister welcomed the decision and said the budget",
      "would keep public spending under control over the next two years",
      "Opposition leaders criticised the government for the cost of housing",
      "which has risen faster than incomes for most of the last decade",
      "Banks are expected to keep mortgage rates close to current levels",
      "and several lenders said they would review their offers next week",
      "Consumer groups asked for more help for families with variable loans",
      "who have seen their monthly payments double since the rate rises began",
      "The next meeting of the committee is scheduled for early February",
      "when new forecasts for growth and inflation will be published",
      "Investors will also watch the decisions of other central banks",
      "including the Federal Reserve and the European Central Bank",
      "whose policies weigh on exchange rates and on the cost of imports",
      "Business surveys pointed to a modest recovery in services activity",
      "while factories reported weaker orders from abroad for a fifth month",
      "Exporters blamed slower demand in China and higher shipping costs",
      "The statistics office will release its first estimate of growth",
      "for the last quarter of the year at the end of January",
  };
  std::string text;
  for (const std::string& sentence : sentences) absl::StrAppend(&text, sentence, ". ");
  return text;
}

std::string ReplaceWord(const std::string& text, const std::string& from, const std::string& to) {
  std::vector<std::string> words = absl::StrSplit(text, ' ');
  for (std::string& word : words) {
    if (word == from) {
      word = to;
      break;
    }
  }
  return absl::StrJoin(words, " ");
}

class DuplicateDetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As loupe-ingest opens it: prefix extractor, hashed memtable, filters.
    auto store = RocksStore::Open(dir_.path(), {"dedup"}, RocksOptions(),
                                  {{"dedup", TuneDuplicateFamily}});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    index_ = std::make_unique<DuplicateIndex>(store_->db(), store_->Family("dedup"));
  }

  // Looks up the cluster of `body`, registers it under `id`, commits.
  std::string AddDocument(const std::string& id, const std::string& body) {
    ReadableWriteBatch batch({store_->Family("dedup")});
    const ContentSignature signature = ComputeSignature(*analyzer_, body, "en");
    auto cluster = index_->FindCluster(signature, batch);
    EXPECT_TRUE(cluster.ok()) << cluster.status();
    const std::string cluster_id = cluster->value_or(id);
    EXPECT_TRUE(index_->Add(id, signature, cluster_id, &batch).ok());
    EXPECT_TRUE(batch.Write(store_->db(), store_->durable_write(), "test write").ok());
    return cluster_id;
  }

  ScopedTempDir dir_{"dedup"};
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<DuplicateIndex> index_;
  std::unique_ptr<Analyzer> analyzer_ = MakeDefaultAnalyzer();
};

TEST(SimHashTest, CloseTextsHaveCloseHashesAndShortTextsNone) {
  auto analyzer = MakeDefaultAnalyzer();
  const std::string story = Story();
  const std::string edited =
      ReplaceWord(ReplaceWord(story, "governor", "president"), "furniture", "electronics");
  const ContentSignature a = ComputeSignature(*analyzer, story, "en");
  const ContentSignature b = ComputeSignature(*analyzer, edited, "en");
  ASSERT_TRUE(a.has_simhash);
  EXPECT_NE(a.body_fingerprint, b.body_fingerprint);
  EXPECT_LE(HammingDistance(a.simhash, b.simhash), kMaxHammingDistance);
  // Case and punctuation do not matter: same analysed terms, same SimHash.
  const ContentSignature upper = ComputeSignature(*analyzer, absl::StrCat(story, "!!"), "en");
  EXPECT_EQ(upper.simhash, a.simhash);
  EXPECT_FALSE(ComputeSignature(*analyzer, "too short", "en").has_simhash);
}

// SimHash as first written: each shingle joined into a string and hashed,
// then 64 votes of +1 or -1. Stored signatures depend on it bit for bit.
uint64_t ReferenceSimHash(const std::vector<std::string>& terms) {
  std::array<int64_t, 64> weights{};
  for (size_t i = 0; i + 2 < terms.size(); ++i) {
    const uint64_t hash =
        Fingerprint64(absl::StrCat(terms[i], "\x1f", terms[i + 1], "\x1f", terms[i + 2]));
    for (int bit = 0; bit < 64; ++bit) weights[bit] += ((hash >> bit) & 1) ? 1 : -1;
  }
  uint64_t simhash = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (weights[bit] > 0) simhash |= uint64_t{1} << bit;
  }
  return simhash;
}

// Random term lists, with few or many shingles (past the byte counters'
// 255 and its multiples), and lists of one repeated shingle, where every
// bit's count is all or nothing.
TEST(SimHashTest, MatchesTheVoteOfEveryShingle) {
  std::mt19937 random(11);
  const std::vector<std::string> vocabulary = {
      "a", "storm", "tempete", "x1f", "", "governor", "électricité", "16,86", "nvidia", "deepseek"};
  for (size_t length : {5, 6, 7, 100, 254, 255, 256, 257, 258, 511, 512, 513, 1000, 2047}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<std::string> terms;
      for (size_t i = 0; i < length; ++i) terms.push_back(vocabulary[random() % vocabulary.size()]);
      if (trial == 0) terms.assign(length, "same");
      const ContentSignature signature = SimHashOfTerms(terms);
      ASSERT_TRUE(signature.has_simhash);
      ASSERT_EQ(signature.simhash, ReferenceSimHash(terms))
          << "length " << length << " trial " << trial;
    }
  }
}

TEST_F(DuplicateDetectorTest, NearCopyJoinsTheFirstDocumentsCluster) {
  const std::string story = Story();
  EXPECT_EQ(AddDocument("original", story), "original");
  EXPECT_EQ(AddDocument("exact-copy", story), "original");
  const std::string edited =
      ReplaceWord(ReplaceWord(story, "governor", "president"), "furniture", "electronics");
  EXPECT_EQ(AddDocument("syndicated", edited), "original");
  EXPECT_EQ(AddDocument("unrelated",
                        "The football club announced on Monday that its coach would leave at "
                        "the end of the season after six years in charge, during which the team "
                        "won two league titles and reached a European final. The board thanked "
                        "him and said that the search for a successor had already started, with "
                        "several candidates from abroad on a short list."),
            "unrelated");
}

// Matches are found wherever the entries are: in the memtable, in SST files
// after a flush, and earlier in the same batch, among many other entries
// whose prefixes neighbour theirs.
TEST_F(DuplicateDetectorTest, FindsMatchesInTheMemtableTheFilesAndTheBatch) {
  std::mt19937 random(5);
  const std::vector<std::string> vocabulary = absl::StrSplit(Story(), ' ');
  auto random_body = [&] {
    std::vector<std::string> words;
    for (int w = 0; w < 60; ++w) words.push_back(vocabulary[random() % vocabulary.size()]);
    return absl::StrJoin(words, " ");
  };
  std::vector<std::string> originals;
  for (int i = 0; i < 300; ++i) {
    originals.push_back(random_body());
    ASSERT_EQ(AddDocument(absl::StrCat("doc-", i), originals.back()), absl::StrCat("doc-", i));
    if (i == 150) {
      ASSERT_TRUE(store_->db()->Flush(rocksdb::FlushOptions()).ok());
    }
  }
  // Copies of documents in the SST file (0–150) and in the memtable.
  for (int i : {3, 77, 150, 151, 222, 299}) {
    EXPECT_EQ(AddDocument(absl::StrCat("copy-", i), originals[i]), absl::StrCat("doc-", i));
  }
  // Two copies of a new story in one batch: the second finds the first.
  ReadableWriteBatch batch({store_->Family("dedup")});
  const std::string story = random_body();
  const ContentSignature signature = ComputeSignature(*analyzer_, story, "en");
  auto first = index_->FindCluster(signature, batch);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->has_value());
  ASSERT_TRUE(index_->Add("new-1", signature, "new-1", &batch).ok());
  auto second = index_->FindCluster(signature, batch);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->value_or(""), "new-1");
}

TEST_F(DuplicateDetectorTest, RemovedEntriesNoLongerMatch) {
  const std::string story = Story();
  EXPECT_EQ(AddDocument("first", story), "first");
  ReadableWriteBatch batch({store_->Family("dedup")});
  const ContentSignature signature = ComputeSignature(*analyzer_, story, "en");
  ASSERT_TRUE(index_->Remove("first", signature, &batch).ok());
  // The batch already hides the stored entries, before it is written.
  auto cluster = index_->FindCluster(signature, batch);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_FALSE(cluster->has_value()) << **cluster;
  ASSERT_TRUE(batch.Write(store_->db(), store_->durable_write(), "test write").ok());
  EXPECT_EQ(AddDocument("second", story), "second");
}

}  // namespace
}  // namespace loupe
