#include "services/index/posting_store.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/utilities/write_batch_with_index.h"
#include "services/common/rocksdb_store.h"
#include "services/index/index_schema.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::TempDir;
using ::testing::ElementsAre;

TEST(PostingStoreTest, ValueRoundTripsWithPositions) {
  const std::string value = PostingStore::EncodeValue(1234, {0, 5, 300, 70000});
  Posting posting;
  ASSERT_TRUE(PostingStore::DecodeValue(value, /*with_positions=*/true, &posting));
  EXPECT_EQ(posting.term_frequency, 4u);
  EXPECT_EQ(posting.field_length, 1234u);
  EXPECT_THAT(posting.positions, ElementsAre(0, 5, 300, 70000));
  ASSERT_TRUE(PostingStore::DecodeValue(value, /*with_positions=*/false, &posting));
  EXPECT_TRUE(posting.positions.empty());
}

TEST(PostingStoreTest, RejectsCorruptValues) {
  Posting posting;
  EXPECT_FALSE(PostingStore::DecodeValue("", true, &posting));
  const std::string value = PostingStore::EncodeValue(10, {1, 2, 3});
  EXPECT_FALSE(PostingStore::DecodeValue(value.substr(0, value.size() - 1), true, &posting));
  EXPECT_FALSE(PostingStore::DecodeValue(value + "x", true, &posting));
}

TEST(PostingStoreTest, ScansOnlyTheTermsPostingsInDocidOrder) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<RocksStore>> store =
      RocksStore::Open(dir.path(), AllFamilies(), RocksOptions{});
  ASSERT_TRUE(store.ok()) << store.status();
  PostingStore postings((*store)->db(), (*store)->Family(kPostingsFamily),
                        (*store)->Family(kTermsFamily));
  rocksdb::WriteBatch batch;
  postings.AddPosting(&batch, v1::FIELD_BODY, "apple", 300, 9, {1, 4});
  postings.AddPosting(&batch, v1::FIELD_BODY, "apple", 2, 5, {0});
  postings.AddPosting(&batch, v1::FIELD_BODY, "apples", 1, 5, {0});   // longer term
  postings.AddPosting(&batch, v1::FIELD_TITLE, "apple", 7, 1, {0});   // other field
  postings.PutDocumentFrequency(&batch, PostingStore::TermKey(v1::FIELD_BODY, "apple"), 2);
  ASSERT_TRUE((*store)->db()->Write(rocksdb::WriteOptions(), &batch).ok());

  std::vector<uint32_t> docids;
  std::vector<uint32_t> lengths;
  ASSERT_TRUE(postings
                  .ForEach(nullptr, v1::FIELD_BODY, "apple", true,
                           [&](const Posting& p) {
                             docids.push_back(p.docid);
                             lengths.push_back(p.field_length);
                           })
                  .ok());
  EXPECT_THAT(docids, ElementsAre(2, 300));
  EXPECT_THAT(lengths, ElementsAre(5, 9));
  EXPECT_EQ(*postings.DocumentFrequency(nullptr, PostingStore::TermKey(v1::FIELD_BODY, "apple")), 2u);
  EXPECT_EQ(*postings.DocumentFrequency(nullptr, PostingStore::TermKey(v1::FIELD_TITLE, "pear")), 0u);

  rocksdb::WriteBatch removal;
  postings.RemovePosting(&removal, v1::FIELD_BODY, "apple", 2);
  postings.PutDocumentFrequency(&removal, PostingStore::TermKey(v1::FIELD_BODY, "apple"), 0);
  ASSERT_TRUE((*store)->db()->Write(rocksdb::WriteOptions(), &removal).ok());
  docids.clear();
  ASSERT_TRUE(postings
                  .ForEach(nullptr, v1::FIELD_BODY, "apple", false,
                           [&](const Posting& p) { docids.push_back(p.docid); })
                  .ok());
  EXPECT_THAT(docids, ElementsAre(300));
  EXPECT_EQ(*postings.DocumentFrequency(nullptr, PostingStore::TermKey(v1::FIELD_BODY, "apple")), 0u);
}

}  // namespace
}  // namespace loupe
