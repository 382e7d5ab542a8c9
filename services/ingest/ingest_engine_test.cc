#include "services/ingest/ingest_engine.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/hashing.h"
#include "services/ingest/test_util.h"

namespace loupe {
namespace {

using ::loupe::v1::Document;
using ::loupe::v1::INGEST_OUTCOME_CREATED;
using ::loupe::v1::INGEST_OUTCOME_UNCHANGED;
using ::loupe::v1::INGEST_OUTCOME_UPDATED;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::UnorderedElementsAre;

constexpr char kEnglish[] =
    "Stocks in New York finished the week higher on Friday, as investors welcomed better than "
    "expected earnings from the largest banks and waited for the central bank's decision.";

Document Doc(const std::string& id, const std::string& body) {
  Document document;
  document.set_id(id);
  document.set_body(body);
  return document;
}

google::protobuf::RepeatedPtrField<Document> Batch(std::initializer_list<Document> documents) {
  google::protobuf::RepeatedPtrField<Document> batch;
  for (const Document& document : documents) *batch.Add() = document;
  return batch;
}

google::protobuf::RepeatedPtrField<std::string> Ids(std::initializer_list<std::string> ids) {
  google::protobuf::RepeatedPtrField<std::string> out;
  for (const std::string& id : ids) *out.Add() = id;
  return out;
}

class IngestEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(uint32_t shard_count = 2, uint64_t max_backlog = 1000) {
    engine_.reset();
    IngestEngineOptions options;
    options.shard_count = shard_count;
    options.max_backlog = max_backlog;
    auto engine = IngestEngine::Open(path_, options, RocksOptions());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
  }

  loupe::v1::IngestResponse MustIngest(std::initializer_list<Document> documents) {
    auto response = engine_->Ingest(Batch(documents));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : loupe::v1::IngestResponse();
  }

  std::vector<loupe::v1::Operation> Outbox(uint32_t shard) {
    auto operations = engine_->ReadOutbox(shard, 0, 10000, 1 << 30);
    EXPECT_TRUE(operations.ok()) << operations.status();
    return operations.ok() ? *operations : std::vector<loupe::v1::Operation>();
  }

  uint64_t TotalLastSequence() {
    uint64_t total = 0;
    for (uint32_t s = 0; s < engine_->shard_count(); ++s) total += engine_->Backlog(s).last_sequence;
    return total;
  }

  ScopedTempDir dir_{"engine"};
  ScopedTempDir other_dir_{"engine-other"};
  std::string path_ = dir_.path();
  std::unique_ptr<IngestEngine> engine_;
};

TEST_F(IngestEngineTest, CreateUpdateUnchanged) {
  auto first = MustIngest({Doc("a", kEnglish)});
  ASSERT_EQ(first.results_size(), 1);
  EXPECT_EQ(first.results(0).id(), "a");
  EXPECT_EQ(first.results(0).version(), 1);
  EXPECT_EQ(first.results(0).outcome(), INGEST_OUTCOME_CREATED);
  EXPECT_EQ(first.results(0).lang(), "en");
  EXPECT_EQ(first.results(0).shard(), ShardForId("a", 2));
  EXPECT_EQ(first.results(0).duplicate_cluster(), "a");

  // Same content (after normalisation): nothing written.
  auto again = MustIngest({Doc("a", absl::StrCat("  ", kEnglish, "\r\n"))});
  EXPECT_EQ(again.results(0).outcome(), INGEST_OUTCOME_UNCHANGED);
  EXPECT_EQ(again.results(0).version(), 1);
  EXPECT_EQ(TotalLastSequence(), 1u);

  Document changed = Doc("a", kEnglish);
  changed.set_title("A title");
  auto updated = MustIngest({changed});
  EXPECT_EQ(updated.results(0).outcome(), INGEST_OUTCOME_UPDATED);
  EXPECT_EQ(updated.results(0).version(), 2);
  EXPECT_EQ(TotalLastSequence(), 2u);
  EXPECT_EQ(engine_->document_count(), 1u);

  auto got = engine_->Get("a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->document().title(), "A title");
  EXPECT_EQ(got->document().version(), 2);
  EXPECT_EQ(got->document().lang(), "en");
  EXPECT_EQ(got->shard(), ShardForId("a", 2));
  EXPECT_EQ(got->duplicate_cluster(), "a");
  EXPECT_GT(got->ingested_at().seconds(), 1700000000);
}

TEST_F(IngestEngineTest, ClientVersions) {
  Document v5 = Doc("b", kEnglish);
  v5.set_version(5);
  auto created = MustIngest({v5});
  EXPECT_EQ(created.results(0).version(), 5);
  EXPECT_EQ(created.results(0).outcome(), INGEST_OUTCOME_CREATED);

  Document v3 = Doc("b", "An older text that must not replace the newer one at all.");
  v3.set_version(3);
  EXPECT_EQ(MustIngest({v3}).results(0).outcome(), INGEST_OUTCOME_UNCHANGED);
  v3.set_version(5);
  EXPECT_EQ(MustIngest({v3}).results(0).outcome(), INGEST_OUTCOME_UNCHANGED);
  EXPECT_EQ(engine_->Get("b")->document().body(), kEnglish);

  v3.set_version(9);
  auto newer = MustIngest({v3});
  EXPECT_EQ(newer.results(0).outcome(), INGEST_OUTCOME_UPDATED);
  EXPECT_EQ(newer.results(0).version(), 9);
  // Server-assigned versions continue from the client's.
  auto next = MustIngest({Doc("b", "Yet another text for the same id.")});
  EXPECT_EQ(next.results(0).version(), 10);
}

TEST_F(IngestEngineTest, DerivedIdsAndGivenLanguage) {
  Document from_url = Doc("", kEnglish);
  from_url.set_url("https://example.com/a");
  Document from_body = Doc("", "Le CAC 40 a terminé la séance en hausse.");
  from_body.set_lang("FR");
  auto response = MustIngest({from_url, from_body});
  EXPECT_EQ(response.results(0).id(), "u-" + Hex64(Fingerprint64("https://example.com/a")));
  EXPECT_EQ(response.results(1).id(),
            "c-" + Hex64(Fingerprint64("Le CAC 40 a terminé la séance en hausse.")));
  EXPECT_EQ(response.results(1).lang(), "fr");
}

// A title without a body is a document: its title is what derives its id
// and what duplicates are found by, so two different headlines are two
// documents, and the same headline twice is one story.
TEST_F(IngestEngineTest, AHeadlineAloneIsADocument) {
  Document storm;
  storm.set_title("Storm hits the coast");
  Document markets;
  markets.set_title("Markets fall after the central bank's decision");
  markets.set_body(" \n ");
  auto derived = MustIngest({storm, markets});
  ASSERT_EQ(derived.results_size(), 2);
  EXPECT_EQ(derived.results(0).id(), "c-" + Hex64(Fingerprint64("Storm hits the coast")));
  EXPECT_EQ(derived.results(1).id(),
            "c-" + Hex64(Fingerprint64("Markets fall after the central bank's decision")));
  for (const auto& result : derived.results()) {
    EXPECT_EQ(result.outcome(), INGEST_OUTCOME_CREATED);
    EXPECT_EQ(result.duplicate_cluster(), result.id()) << "not a copy of the other headline";
  }
  auto got = engine_->Get(derived.results(1).id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->document().title(), "Markets fall after the central bank's decision");
  EXPECT_EQ(got->document().body(), "");

  Document first = storm;
  first.set_id("h1");
  Document copy = storm;
  copy.set_id("h2");
  auto copies = MustIngest({first, copy});
  EXPECT_EQ(copies.results(1).duplicate_cluster(), copies.results(0).duplicate_cluster());

  // Neither a body nor a title: refused, naming the field.
  Document empty;
  empty.set_id("nothing");
  empty.set_body("<p> </p>");
  empty.set_content_type("text/html");
  auto refused = engine_->Ingest(Batch({empty}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(refused.status()), UnorderedElementsAre(Key("documents[0].body")));
}

TEST_F(IngestEngineTest, DeleteKeepsTombstoneAndReingestContinuesVersion) {
  MustIngest({Doc("c", kEnglish)});
  MustIngest({Doc("c", "Second version of the text.")});
  auto deleted = engine_->Delete(Ids({"c", "never-seen", "c"}));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(deleted->results(0).found());
  EXPECT_EQ(deleted->results(0).version(), 2);
  EXPECT_FALSE(deleted->results(1).found());
  EXPECT_FALSE(deleted->results(2).found());  // Already deleted by [0].
  EXPECT_EQ(engine_->Get("c").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_->Get("never-seen").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_->document_count(), 0u);

  const uint32_t shard = ShardForId("c", 2);
  std::vector<loupe::v1::Operation> outbox = Outbox(shard);
  ASSERT_EQ(outbox.size(), 3u);
  EXPECT_EQ(outbox[2].delete_id(), "c");
  EXPECT_EQ(outbox[2].sequence(), 3u);

  // Deleting again writes nothing.
  ASSERT_TRUE(engine_->Delete(Ids({"c"})).ok());
  EXPECT_EQ(Outbox(shard).size(), 3u);

  // Same content as before the delete: still a new version, after the last.
  auto back = MustIngest({Doc("c", "Second version of the text.")});
  EXPECT_EQ(back.results(0).outcome(), INGEST_OUTCOME_CREATED);
  EXPECT_EQ(back.results(0).version(), 3);
  EXPECT_EQ(engine_->document_count(), 1u);
}

TEST_F(IngestEngineTest, OutboxHoldsOperationsInPerShardSequence) {
  std::vector<Document> documents;
  for (int i = 0; i < 20; ++i) {
    documents.push_back(Doc(absl::StrCat("doc-", i), absl::StrCat("Text number ", i, " here.")));
  }
  google::protobuf::RepeatedPtrField<Document> batch(documents.begin(), documents.end());
  ASSERT_TRUE(engine_->Ingest(batch).ok());
  uint64_t total = 0;
  for (uint32_t shard = 0; shard < 2; ++shard) {
    std::vector<loupe::v1::Operation> outbox = Outbox(shard);
    ASSERT_EQ(outbox.size(), engine_->Backlog(shard).last_sequence);
    for (size_t i = 0; i < outbox.size(); ++i) {
      EXPECT_EQ(outbox[i].sequence(), i + 1);
      ASSERT_TRUE(outbox[i].has_upsert());
      const Document& shipped = outbox[i].upsert().document();
      EXPECT_EQ(ShardForId(shipped.id(), 2), shard);
      EXPECT_EQ(shipped.version(), 1);
      EXPECT_FALSE(shipped.lang().empty());
      EXPECT_EQ(outbox[i].upsert().duplicate_cluster(), shipped.id());
    }
    total += outbox.size();
    EXPECT_EQ(engine_->Backlog(shard).applied_sequence, 0u);
  }
  EXPECT_EQ(total, 20u);

  // Reading after a sequence, bounded by count, and trimming.
  auto partial = engine_->ReadOutbox(0, 2, 3, 1 << 30);
  ASSERT_TRUE(partial.ok());
  ASSERT_EQ(partial->size(), 3u);
  EXPECT_EQ((*partial)[0].sequence(), 3u);
  ASSERT_TRUE(engine_->MarkApplied(0, 4).ok());
  EXPECT_EQ(engine_->Backlog(0).applied_sequence, 4u);
  std::vector<loupe::v1::Operation> rest = Outbox(0);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.front().sequence(), 5u);
  // Going back is ignored; going past the end is clamped.
  ASSERT_TRUE(engine_->MarkApplied(0, 1).ok());
  EXPECT_EQ(engine_->Backlog(0).applied_sequence, 4u);
  ASSERT_TRUE(engine_->MarkApplied(0, 1000).ok());
  EXPECT_EQ(engine_->Backlog(0).applied_sequence, engine_->Backlog(0).last_sequence);
  EXPECT_TRUE(Outbox(0).empty());
  EXPECT_EQ(engine_->Backlog(0).oldest_unshipped_age_ms, 0);
}

TEST_F(IngestEngineTest, SameIdTwiceInABatchLastOneWins) {
  auto response = MustIngest({Doc("d", "First text."), Doc("d", "Second text.")});
  EXPECT_EQ(response.results(0).version(), 1);
  EXPECT_EQ(response.results(1).version(), 2);
  EXPECT_EQ(response.results(1).outcome(), INGEST_OUTCOME_UPDATED);
  EXPECT_EQ(engine_->Get("d")->document().body(), "Second text.");
  EXPECT_EQ(engine_->document_count(), 1u);
}

TEST_F(IngestEngineTest, InvalidBatchWritesNothing) {
  Document bad = Doc("bad", "");
  auto response = engine_->Ingest(Batch({Doc("good", kEnglish), bad, Doc("html", "<p> </p>")}));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(response.status()),
              UnorderedElementsAre(Key("documents[1].body")));
  EXPECT_EQ(engine_->Get("good").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(TotalLastSequence(), 0u);

  Document markup_only = Doc("html", "<p> <script>x</script> </p>");
  markup_only.set_content_type("text/html");
  response = engine_->Ingest(Batch({Doc("good", kEnglish), markup_only}));
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(ViolatedFields(response.status()), UnorderedElementsAre(Key("documents[1].body")));
  EXPECT_EQ(engine_->document_count(), 0u);
  EXPECT_EQ(TotalLastSequence(), 0u);
}

TEST_F(IngestEngineTest, FullBacklogIsResourceExhaustedAndWritesNothing) {
  path_ = other_dir_.path();
  Open(/*shard_count=*/1, /*max_backlog=*/3);
  ASSERT_TRUE(engine_->Ingest(Batch({Doc("1", "One."), Doc("2", "Two."), Doc("3", "Three.")})).ok());
  auto refused = engine_->Ingest(Batch({Doc("4", "Four.")}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  const google::rpc::ErrorInfo info = ErrorInfoOf(refused.status());
  EXPECT_EQ(info.reason(), "BACKLOG_FULL");
  EXPECT_EQ(info.metadata().at("shard"), "0");
  EXPECT_EQ(engine_->Get("4").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_->Delete(Ids({"1"})).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(engine_->Backlog(0).last_sequence, 3u);
  EXPECT_EQ(engine_->document_count(), 3u);

  ASSERT_TRUE(engine_->MarkApplied(0, 1).ok());
  EXPECT_TRUE(engine_->Ingest(Batch({Doc("4", "Four.")})).ok());
}

TEST_F(IngestEngineTest, StatePersistsAcrossReopen) {
  MustIngest({Doc("p1", kEnglish), Doc("p2", "Another document to keep.")});
  ASSERT_TRUE(engine_->Delete(Ids({"p2"})).ok());
  ASSERT_TRUE(engine_->MarkApplied(ShardForId("p1", 2), 1).ok());
  std::vector<ShardBacklog> before;
  for (uint32_t s = 0; s < 2; ++s) before.push_back(engine_->Backlog(s));

  Open();
  EXPECT_EQ(engine_->document_count(), 1u);
  for (uint32_t s = 0; s < 2; ++s) {
    EXPECT_EQ(engine_->Backlog(s).last_sequence, before[s].last_sequence);
    EXPECT_EQ(engine_->Backlog(s).applied_sequence, before[s].applied_sequence);
    EXPECT_EQ(Outbox(s).size(), before[s].last_sequence - before[s].applied_sequence);
  }
  auto got = engine_->Get("p1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->document().body(), kEnglish);
  EXPECT_EQ(MustIngest({Doc("p2", "Back again.")}).results(0).version(), 2);

  // Another shard count is refused.
  engine_.reset();
  IngestEngineOptions options;
  options.shard_count = 3;
  auto other = IngestEngine::Open(dir_.path(), options, RocksOptions());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("--shard_count=2"));
}

TEST_F(IngestEngineTest, HtmlIsStoredAsText) {
  Document html = Doc("h", "<html><body><h1>Caf&eacute;</h1><script>evil()</script>"
                           "<p>Du th&eacute; &amp; du caf&eacute;.</p></body></html>");
  html.set_content_type("text/html");
  MustIngest({html});
  auto got = engine_->Get("h");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->document().body(), "Café\nDu thé & du café.");
  EXPECT_EQ(got->document().content_type(), "");
}

}  // namespace
}  // namespace loupe
