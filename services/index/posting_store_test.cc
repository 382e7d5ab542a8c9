#include "services/index/posting_store.h"

#include <memory>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"
#include "services/index/block_tracker.h"
#include "services/index/index_schema.h"
#include "services/index/posting_cursor.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::TempDir;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class PostingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RocksStore>> store =
        RocksStore::Open(dir_.path(), AllFamilies(), RocksOptions{});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    postings_ = std::make_unique<PostingStore>(store_->db(), store_->Family(kPostingsFamily),
                                               store_->Family(kTermsFamily));
  }

  absl::Status Write(v1::Field field, absl::string_view term, const PostingChanges& changes) {
    rocksdb::WriteBatch batch;
    absl::Status status = postings_->Apply(&batch, PostingStore::TermKey(field, term), changes);
    if (!status.ok()) return status;
    return FromRocksDb(store_->db()->Write(rocksdb::WriteOptions(), &batch), "write");
  }

  std::vector<uint32_t> Docids(v1::Field field, absl::string_view term) {
    std::vector<uint32_t> docids;
    EXPECT_TRUE(postings_
                    ->ForEach(nullptr, field, term, /*with_positions=*/true,
                              [&](const Posting& p) {
                                EXPECT_EQ(p.positions.size(), p.term_frequency);
                                docids.push_back(p.docid);
                              })
                    .ok());
    return docids;
  }

  uint64_t Df(v1::Field field, absl::string_view term) {
    absl::StatusOr<std::vector<uint64_t>> frequencies =
        postings_->DocumentFrequencies(nullptr, {PostingStore::TermKey(field, term)});
    EXPECT_TRUE(frequencies.ok()) << frequencies.status();
    return frequencies.ok() ? frequencies->front() : 0;
  }

  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<PostingStore> postings_;
};

TEST_F(PostingStoreTest, ScansOnlyTheTermsPostingsInDocidOrder) {
  PostingChanges apple, apples, title_apple;
  apple.Add({2, 5, {0}});
  apple.Add({300, 9, {1, 4}});
  apples.Add({1, 5, {0}});
  title_apple.Add({7, 1, {0}});
  ASSERT_TRUE(Write(v1::FIELD_BODY, "apple", apple).ok());
  ASSERT_TRUE(Write(v1::FIELD_BODY, "apples", apples).ok());
  ASSERT_TRUE(Write(v1::FIELD_TITLE, "apple", title_apple).ok());
  EXPECT_THAT(Docids(v1::FIELD_BODY, "apple"), ElementsAre(2, 300));
  EXPECT_EQ(Df(v1::FIELD_BODY, "apple"), 2u);
  EXPECT_EQ(Df(v1::FIELD_TITLE, "pear"), 0u);

  PostingChanges removal;
  removal.Remove(2);
  ASSERT_TRUE(Write(v1::FIELD_BODY, "apple", removal).ok());
  EXPECT_THAT(Docids(v1::FIELD_BODY, "apple"), ElementsAre(300));
  removal = PostingChanges();
  removal.Remove(300);
  ASSERT_TRUE(Write(v1::FIELD_BODY, "apple", removal).ok());
  EXPECT_THAT(Docids(v1::FIELD_BODY, "apple"), ElementsAre());
  EXPECT_EQ(Df(v1::FIELD_BODY, "apple"), 0u);
  EXPECT_THAT(Docids(v1::FIELD_BODY, "apples"), ElementsAre(1));
}

// Batches of assorted sizes seal blocks; removals hit sealed blocks and the
// tail; the list stays exact throughout.
TEST_F(PostingStoreTest, SealsBlocksAndRemovesAnywhere) {
  std::vector<uint32_t> expected;
  uint32_t docid = 10;
  for (int batch = 0; batch < 30; ++batch) {
    PostingChanges changes;
    for (int i = 0; i < batch * 17 + 1; ++i) {
      changes.Add({docid, 3 + docid % 50, {docid % 7, docid % 7 + 3}});
      expected.push_back(docid);
      docid += 1 + docid % 3;
    }
    ASSERT_TRUE(Write(v1::FIELD_BODY, "storm", changes).ok());
  }
  ASSERT_GT(expected.size(), 3 * kPostingBlockSize);
  EXPECT_THAT(Docids(v1::FIELD_BODY, "storm"), ElementsAreArray(expected));

  // Remove the first posting of a block, some middles, the last one, and
  // add one in the same batch.
  PostingChanges changes;
  const std::vector<uint32_t> gone = {expected[0], expected[1], expected[200], expected[201],
                                      expected[kPostingBlockSize], expected.back()};
  for (uint32_t d : gone) changes.Remove(d);
  changes.Add({docid, 4, {1}});
  changes.Add({docid + 1, 4, {1}});
  changes.Remove(docid + 1);  // added then removed in one batch
  ASSERT_TRUE(Write(v1::FIELD_BODY, "storm", changes).ok());
  std::vector<uint32_t> left;
  for (uint32_t d : expected) {
    if (std::find(gone.begin(), gone.end(), d) == gone.end()) left.push_back(d);
  }
  left.push_back(docid);
  EXPECT_THAT(Docids(v1::FIELD_BODY, "storm"), ElementsAreArray(left));
  EXPECT_EQ(Df(v1::FIELD_BODY, "storm"), left.size());

  // Advance and ShallowAdvance agree with the list.
  absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
      PostingCursor::Open(*postings_, nullptr, PostingStore::TermKey(v1::FIELD_BODY, "storm"));
  ASSERT_TRUE(cursor.ok());
  for (size_t i = 3; i < left.size(); i += 37) {
    const uint32_t block_last = (*cursor)->ShallowAdvance(left[i]);
    EXPECT_GE(block_last, left[i]);
    (*cursor)->Advance(left[i] - 1 > left[i - 1] ? left[i] - 1 : left[i]);
    EXPECT_EQ((*cursor)->docid(), left[i]);
  }
  (*cursor)->Advance(docid + 1);
  EXPECT_EQ((*cursor)->docid(), kEndDocid);
  EXPECT_TRUE((*cursor)->status().ok());

  // Long jumps (many blocks ahead) seek instead of stepping; the result is
  // the same, including targets in gaps between blocks and in the tail.
  for (size_t stride : {kPostingBlockSize * 5 + 3, kPostingBlockSize * 7 - 1}) {
    absl::StatusOr<std::unique_ptr<PostingCursor>> jumper =
        PostingCursor::Open(*postings_, nullptr, PostingStore::TermKey(v1::FIELD_BODY, "storm"));
    ASSERT_TRUE(jumper.ok());
    for (size_t i = 0; i < left.size(); i += stride) {
      const uint32_t target = i > 0 && left[i] - 1 > left[i - 1] ? left[i] - 1 : left[i];
      (*jumper)->Advance(target);
      EXPECT_EQ((*jumper)->docid(), left[i]) << "stride " << stride << " index " << i;
    }
    (*jumper)->Advance(left.back());
    EXPECT_EQ((*jumper)->docid(), left.back());
  }
}

// A cursor's per-posting positions (PositionSpan decodes one posting at a
// time) equal the whole-block decode, whichever postings it is asked for and
// however it moves.
TEST_F(PostingStoreTest, CursorPositionsMatchTheWholeBlockDecode) {
  std::vector<std::vector<uint32_t>> expected;
  std::vector<uint32_t> docids;
  PostingChanges changes;
  std::mt19937 random(17);
  uint32_t docid = 3;
  for (int i = 0; i < 5 * static_cast<int>(kPostingBlockSize) + 40; ++i) {
    std::vector<uint32_t> positions;
    uint32_t position = random() % 5;
    const int tf = 1 + static_cast<int>(random() % (i % 11 == 0 ? 40 : 4));
    for (int k = 0; k < tf; ++k) {
      positions.push_back(position);
      // Gaps of every byte width.
      position += 1 + (k % 7 == 6 ? 70000 + random() % 100000 : random() % 300);
    }
    changes.Add({docid, 500, positions});
    docids.push_back(docid);
    expected.push_back(positions);
    docid += 1 + random() % 4;
  }
  ASSERT_TRUE(Write(v1::FIELD_BODY, "tide", changes).ok());
  for (int stride : {1, 2, 3, 7, 50, 129}) {
    absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
        PostingCursor::Open(*postings_, nullptr, PostingStore::TermKey(v1::FIELD_BODY, "tide"));
    ASSERT_TRUE(cursor.ok());
    size_t checked = 0;
    for (size_t i = 0; i < docids.size(); i += stride) {
      (*cursor)->Advance(docids[i]);
      ASSERT_EQ((*cursor)->docid(), docids[i]);
      const absl::Span<const uint32_t> positions = (*cursor)->PositionSpan();
      ASSERT_TRUE((*cursor)->status().ok()) << (*cursor)->status();
      EXPECT_THAT(positions, ElementsAreArray(expected[i])) << "posting " << i;
      // Asked twice: the same.
      EXPECT_THAT((*cursor)->PositionSpan(), ElementsAreArray(expected[i]));
      ++checked;
    }
    EXPECT_GT(checked, 0u);
  }
}

// BlockTracker (block_tracker.h): a target inside the last answer's blocks
// is answered "unchanged" with the same end, without moving the cursors,
// even when one of them went on to a later block meanwhile; a target past
// that end visits them again.
TEST_F(PostingStoreTest, ABlockTrackerAnswersFromItsLastBlocksWhileTheTargetIsInThem) {
  PostingChanges changes;
  for (uint32_t docid = 1; docid <= 3 * kPostingBlockSize + 10; ++docid) {
    changes.Add({docid, 10, {0}});
  }
  ASSERT_TRUE(Write(v1::FIELD_BODY, "tide", changes).ok());
  absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
      PostingCursor::Open(*postings_, nullptr, PostingStore::TermKey(v1::FIELD_BODY, "tide"));
  ASSERT_TRUE(cursor.ok());
  PostingCursor& tide = **cursor;
  BlockTracker tracker;
  const auto each = [&](auto visit) { visit(tide); };
  uint32_t upto = 0;
  const uint32_t first_end = kPostingBlockSize;  // docids 1..128 in the first block
  EXPECT_TRUE(tracker.Advance(1, each, &upto));
  EXPECT_EQ(upto, first_end);
  EXPECT_FALSE(tracker.Advance(first_end, each, &upto));
  EXPECT_EQ(upto, first_end);
  // The cursor walks on into the third block; the second call's blocks
  // still answer for targets up to their end.
  tide.Advance(2 * kPostingBlockSize + 5);
  ASSERT_EQ(tide.docid(), 2 * kPostingBlockSize + 5);
  EXPECT_FALSE(tracker.Advance(first_end - 1, each, &upto));
  EXPECT_EQ(upto, first_end);
  EXPECT_EQ(tide.docid(), 2 * kPostingBlockSize + 5);  // not moved
  // Past them: the cursor's block now, the third.
  EXPECT_TRUE(tracker.Advance(first_end + 1, each, &upto));
  EXPECT_EQ(upto, 3 * kPostingBlockSize);
  EXPECT_FALSE(tracker.Advance(3 * kPostingBlockSize, each, &upto));
  // Then the tail's 10 postings, and the end.
  EXPECT_TRUE(tracker.Advance(3 * kPostingBlockSize + 1, each, &upto));
  EXPECT_EQ(upto, 3 * kPostingBlockSize + 10);
  EXPECT_TRUE(tracker.Advance(3 * kPostingBlockSize + 11, each, &upto));
  EXPECT_EQ(upto, kEndDocid);
}

// A cursor that met corrupt positions stops there: its status says why and
// no later move (Next's in-block step included) gives a posting again.
TEST_F(PostingStoreTest, ACursorStopsAtCorruptPositions) {
  PostingChanges changes;
  for (uint32_t docid = 1; docid <= 130; ++docid) {
    changes.Add({docid, 100, {0, 10, 20, 30, 40, 50, 60, 70}});
  }
  ASSERT_TRUE(Write(v1::FIELD_BODY, "w", changes).ok());  // one sealed block, 2 in the tail
  const std::string block_key =
      PostingStore::BlockKey(PostingStore::TermKey(v1::FIELD_BODY, "w"), 1);
  rocksdb::ColumnFamilyHandle* family = store_->Family(kPostingsFamily);
  std::string value;
  ASSERT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), family, block_key, &value).ok());
  // Cut the second half of the positions (the last section, before the
  // block's 16 bytes of padding): the postings of the block's end lose theirs.
  value.erase(value.size() - 16 - 500, 500);
  ASSERT_TRUE(store_->db()->Put(rocksdb::WriteOptions(), family, block_key, value).ok());
  absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
      PostingCursor::Open(*postings_, nullptr, PostingStore::TermKey(v1::FIELD_BODY, "w"));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  (*cursor)->Advance(100);
  ASSERT_EQ((*cursor)->docid(), 100u);
  EXPECT_TRUE((*cursor)->PositionSpan().empty());
  EXPECT_EQ((*cursor)->status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ((*cursor)->docid(), kEndDocid);
  (*cursor)->Next();
  EXPECT_EQ((*cursor)->docid(), kEndDocid);
  (*cursor)->Advance(101);
  EXPECT_EQ((*cursor)->docid(), kEndDocid);
}

TEST_F(PostingStoreTest, RemovingAMissingPostingIsDataLoss) {
  PostingChanges changes;
  changes.Add({5, 1, {0}});
  ASSERT_TRUE(Write(v1::FIELD_BODY, "x", changes).ok());
  PostingChanges removal;
  removal.Remove(6);
  EXPECT_EQ(Write(v1::FIELD_BODY, "x", removal).code(), absl::StatusCode::kDataLoss);
  PostingChanges stale;
  stale.Add({4, 1, {0}});  // not above the list
  EXPECT_EQ(Write(v1::FIELD_BODY, "x", stale).code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Docids(v1::FIELD_BODY, "x"), ElementsAre(5));
}

TEST_F(PostingStoreTest, ListImpactsBoundEveryPosting) {
  PostingChanges changes;
  for (uint32_t d = 1; d < 400; ++d) {
    std::vector<uint32_t> positions;
    for (uint32_t p = 0; p < 1 + d % 9; ++p) positions.push_back(p * 2);
    changes.Add({d, 5 + (d * 37) % 300, positions});
  }
  ASSERT_TRUE(Write(v1::FIELD_BODY, "y", changes).ok());
  absl::StatusOr<TermRecord> record =
      postings_->ReadTerm(nullptr, PostingStore::TermKey(v1::FIELD_BODY, "y"));
  ASSERT_TRUE(record.ok());
  auto part = [](double tf, double length) { return tf / (tf + 1.2 * (0.25 + 0.75 * length / 100)); };
  double bound = 0;
  for (const Impact& impact : record->impacts) bound = std::max(bound, part(impact.tf, impact.field_length));
  ASSERT_TRUE(postings_
                  ->ForEach(nullptr, v1::FIELD_BODY, "y", false,
                            [&](const Posting& p) {
                              EXPECT_LE(part(p.term_frequency, p.field_length), bound);
                            })
                  .ok());
}

}  // namespace
}  // namespace loupe
