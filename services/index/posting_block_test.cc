#include "services/index/posting_block.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe {
namespace {

using ::testing::ElementsAre;

std::vector<PostingEntry> RandomPostings(uint32_t count, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<PostingEntry> postings;
  uint32_t docid = random() % 1000;
  for (uint32_t i = 0; i < count; ++i) {
    docid += 1 + random() % (i % 7 == 0 ? 100000 : 3);
    PostingEntry entry;
    entry.docid = docid;
    entry.field_length = 1 + random() % 5000;
    uint32_t position = random() % 10;
    const uint32_t tf = 1 + random() % (i % 11 == 0 ? 300 : 4);
    for (uint32_t p = 0; p < tf; ++p) {
      entry.positions.push_back(position);
      position += 1 + random() % 70000;
    }
    postings.push_back(entry);
  }
  return postings;
}

TEST(PostingBlockTest, RoundTripsEveryColumn) {
  for (uint32_t count : {1u, 2u, 3u, 4u, 5u, 127u, 128u}) {
    const std::vector<PostingEntry> postings = RandomPostings(count, count);
    const std::string value = EncodePostingBlock(postings);
    absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(value);
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->count(), count);
    EXPECT_EQ(view->first_docid(), postings.front().docid);
    EXPECT_EQ(view->last_docid(), postings.back().docid);
    std::vector<PostingEntry> decoded;
    ASSERT_TRUE(view->DecodeAll(&decoded).ok());
    ASSERT_EQ(decoded.size(), postings.size());
    for (size_t i = 0; i < postings.size(); ++i) {
      EXPECT_EQ(decoded[i].docid, postings[i].docid);
      EXPECT_EQ(decoded[i].field_length, postings[i].field_length);
      EXPECT_EQ(decoded[i].positions, postings[i].positions);
    }
  }
}

// Property: for any k1, b and average length, the best BM25 tf part over the
// impacts is at least that of every posting of the block.
TEST(PostingBlockTest, ImpactsBoundEveryPosting) {
  for (uint32_t seed = 0; seed < 50; ++seed) {
    const std::vector<PostingEntry> postings = RandomPostings(1 + seed * 2 % 128, seed);
    absl::StatusOr<PostingBlockView> view =
        PostingBlockView::Parse(EncodePostingBlock(postings));
    ASSERT_TRUE(view.ok());
    EXPECT_LE(view->impacts().size(), kMaxImpacts);
    for (double k1 : {0.5, 1.2, 2.0}) {
      for (double b : {0.0, 0.4, 0.75, 1.0}) {
        for (double average : {10.0, 300.0, 4000.0}) {
          auto part = [&](uint32_t tf, uint32_t length) {
            return tf / (tf + k1 * (1 - b + b * length / average));
          };
          double bound = 0;
          for (const Impact& impact : view->impacts()) {
            bound = std::max(bound, part(impact.tf, impact.field_length));
          }
          for (const PostingEntry& posting : postings) {
            EXPECT_LE(part(posting.positions.size(), posting.field_length), bound)
                << "seed " << seed;
          }
        }
      }
    }
  }
}

TEST(PostingBlockTest, FrontierKeepsOnlyUndominatedPoints) {
  const std::vector<Impact> frontier =
      ImpactFrontier({{1, 10}, {1, 5}, {2, 50}, {3, 40}, {2, 5}, {5, 100}});
  // (1,5) is dominated by (2,5); (2,50) by (3,40).
  ASSERT_EQ(frontier.size(), 3u);
  EXPECT_EQ(frontier[0].tf, 2u);
  EXPECT_EQ(frontier[0].field_length, 5u);
  EXPECT_EQ(frontier[1].tf, 3u);
  EXPECT_EQ(frontier[2].tf, 5u);
}

// The undominated points, computed the slow way: sorted by tf descending
// then length, kept when shorter than everything before.
std::vector<Impact> SortedUndominated(std::vector<Impact> points) {
  std::sort(points.begin(), points.end(), [](const Impact& a, const Impact& b) {
    return a.tf != b.tf ? a.tf > b.tf : a.field_length < b.field_length;
  });
  std::vector<Impact> undominated;
  for (const Impact& point : points) {
    if (undominated.empty() || point.field_length < undominated.back().field_length) {
      undominated.push_back(point);
    }
  }
  std::reverse(undominated.begin(), undominated.end());
  return undominated;
}

TEST(PostingBlockTest, UndominatedImpactsEqualTheSortedComputation) {
  std::mt19937 random(41);
  for (int round = 0; round < 2000; ++round) {
    std::vector<Impact> points(random() % 200);
    // Small tfs mostly, sometimes past the bucketed range.
    const uint32_t max_tf = round % 10 == 0 ? 5000 : 1 + random() % 40;
    for (Impact& point : points) {
      point.tf = random() % (max_tf + 1);
      point.field_length = 1 + random() % 3000;
    }
    const std::vector<Impact> expected = SortedUndominated(points);
    const std::vector<Impact> actual = UndominatedImpacts(points);
    ASSERT_EQ(actual.size(), expected.size()) << "round " << round;
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].tf, expected[i].tf) << "round " << round << " point " << i;
      EXPECT_EQ(actual[i].field_length, expected[i].field_length) << "round " << round;
    }
  }
}

TEST(PostingBlockTest, DecodesPositionsPerPosting) {
  const std::string value =
      EncodePostingBlock({{4, 10, {0, 5, 9}}, {7, 3, {2}}, {9, 100, {70, 80}}});
  absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(value);
  ASSERT_TRUE(view.ok());
  DecodedPostings decoded;
  ASSERT_TRUE(view->DecodeDocs(&decoded).ok());
  EXPECT_THAT(decoded.docids, ElementsAre(4, 7, 9));
  EXPECT_THAT(decoded.tfs, ElementsAre(3, 1, 2));
  EXPECT_THAT(decoded.lengths, ElementsAre(10, 3, 100));
  ASSERT_TRUE(view->DecodePositions(&decoded).ok());
  EXPECT_THAT(decoded.positions, ElementsAre(0, 5, 9, 2, 70, 80));
  EXPECT_THAT(decoded.position_starts, ElementsAre(0, 3, 4, 6));
}

TEST(PostingBlockTest, RejectsCorruptValues) {
  const std::string value = EncodePostingBlock(RandomPostings(40, 3));
  EXPECT_FALSE(PostingBlockView::Parse("").ok());
  EXPECT_FALSE(PostingBlockView::Parse(value.substr(0, 10)).ok());
  // A wrong count makes the sections disagree.
  std::string wrong = value;
  wrong[0] = 39;
  absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(wrong);
  DecodedPostings decoded;
  EXPECT_TRUE(!view.ok() || !view->DecodeDocs(&decoded).ok());
}

}  // namespace
}  // namespace loupe
