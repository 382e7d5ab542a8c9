#include "services/ingest/shipper.h"

#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loupe/v1/index.grpc.pb.h"
#include "services/common/hashing.h"
#include "services/ingest/test_util.h"

namespace loupe {
namespace {

// An in-process IndexService whose Apply has the real contract: shard check,
// operations at or below the applied sequence skipped, the rest recorded in
// order, the new applied sequence returned.
class FakeIndexShard final : public loupe::v1::IndexService::Service {
 public:
  FakeIndexShard(uint32_t shard_id, uint32_t shard_count)
      : shard_id_(shard_id), shard_count_(shard_count) {}

  grpc::Status Apply(grpc::ServerContext*, const loupe::v1::ApplyRequest* request,
                     loupe::v1::ApplyResponse* response) override {
    if (request->shard_id() != shard_id_ || request->shard_count() != shard_count_) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "wrong shard");
    }
    absl::MutexLock lock(&mu_);
    ++calls_;
    for (const auto& operation : request->operations()) {
      if (operation.sequence() <= applied_) {
        response->set_skipped(response->skipped() + 1);
        continue;
      }
      if (operation.sequence() != applied_ + 1) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "sequence gap");
      }
      applied_ = operation.sequence();
      if (operation.has_upsert()) {
        documents_[operation.upsert().document().id()] = operation.upsert().document().version();
      } else {
        documents_.erase(operation.delete_id());
      }
      response->set_applied(response->applied() + 1);
    }
    response->set_applied_sequence(applied_);
    return grpc::Status::OK;
  }

  grpc::Status Info(grpc::ServerContext*, const loupe::v1::InfoRequest*,
                    loupe::v1::InfoResponse* response) override {
    absl::MutexLock lock(&mu_);
    response->set_shard_id(shard_id_);
    response->set_shard_count(shard_count_);
    response->set_applied_sequence(applied_);
    return grpc::Status::OK;
  }

  uint64_t applied() const {
    absl::MutexLock lock(&mu_);
    return applied_;
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::map<std::string, int64_t> documents() const {
    absl::MutexLock lock(&mu_);
    return documents_;
  }

 private:
  const uint32_t shard_id_;
  const uint32_t shard_count_;
  mutable absl::Mutex mu_;
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> documents_ ABSL_GUARDED_BY(mu_);
};

struct RunningShard {
  std::unique_ptr<FakeIndexShard> service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

RunningShard StartShard(uint32_t shard_id, uint32_t shard_count, int port) {
  RunningShard shard;
  shard.service = std::make_unique<FakeIndexShard>(shard_id, shard_count);
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterService(shard.service.get());
  shard.server = builder.BuildAndStart();
  EXPECT_NE(bound, 0);
  shard.address = absl::StrCat("127.0.0.1:", bound);
  return shard;
}

// A loopback port that nothing listens on (bound, read, released).
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

template <typename Predicate>
bool WaitFor(Predicate predicate, absl::Duration timeout = absl::Seconds(15)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (predicate()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return predicate();
}

google::protobuf::RepeatedPtrField<loupe::v1::Document> Documents(int first, int count) {
  google::protobuf::RepeatedPtrField<loupe::v1::Document> documents;
  for (int i = first; i < first + count; ++i) {
    loupe::v1::Document* document = documents.Add();
    document->set_id(absl::StrCat("doc-", i));
    document->set_body(absl::StrCat("Body of document number ", i, "."));
  }
  return documents;
}

std::unique_ptr<IngestEngine> OpenEngine(const std::string& dir, uint32_t shard_count) {
  IngestEngineOptions options;
  options.shard_count = shard_count;
  auto engine = IngestEngine::Open(dir, options, RocksOptions());
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

ShipperOptions FastOptions() {
  ShipperOptions options;
  options.batch_size = 7;
  options.timeout = absl::Seconds(2);
  return options;
}

TEST(ShipperTest, DrainsEveryShardAndTrimsTheOutbox) {
  ScopedTempDir dir("shipper-drain");
  auto engine = OpenEngine(dir.path(), 2);
  ASSERT_NE(engine, nullptr);
  RunningShard shard0 = StartShard(0, 2, 0);
  RunningShard shard1 = StartShard(1, 2, 0);
  ASSERT_TRUE(engine->Ingest(Documents(0, 40)).ok());

  Shipper shipper(engine.get(), {shard0.address, shard1.address}, FastOptions());
  shipper.Start();
  auto drained = [&] {
    for (uint32_t s = 0; s < 2; ++s) {
      const ShardBacklog backlog = engine->Backlog(s);
      if (backlog.applied_sequence != backlog.last_sequence) return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitFor(drained));
  EXPECT_EQ(shard0.service->documents().size() + shard1.service->documents().size(), 40u);
  for (const auto& [id, version] : shard1.service->documents()) {
    EXPECT_EQ(ShardForId(id, 2), 1u);
    EXPECT_EQ(version, 1);
  }
  // Batches of at most 7 operations.
  EXPECT_GE(shard0.service->calls() + shard1.service->calls(), 40 / 7);
  for (uint32_t s = 0; s < 2; ++s) {
    auto rest = engine->ReadOutbox(s, 0, 1000, 1 << 30);
    ASSERT_TRUE(rest.ok());
    EXPECT_TRUE(rest->empty());
    EXPECT_EQ(shipper.last_error(s), "");
  }

  // A commit wakes the shipper: deletes arrive quickly.
  google::protobuf::RepeatedPtrField<std::string> ids;
  for (int i = 0; i < 10; ++i) *ids.Add() = absl::StrCat("doc-", i);
  ASSERT_TRUE(engine->Delete(ids).ok());
  ASSERT_TRUE(WaitFor(drained, absl::Seconds(2)));
  EXPECT_EQ(shard0.service->documents().size() + shard1.service->documents().size(), 30u);
  shipper.Stop();
  shard0.server->Shutdown();
  shard1.server->Shutdown();
}

TEST(ShipperTest, RetriesUntilTheShardComesUpAndResumesAfterRestart) {
  ScopedTempDir dir("shipper-late");
  const int port = UnusedPort();
  const std::string address = absl::StrCat("127.0.0.1:", port);
  auto engine = OpenEngine(dir.path(), 1);
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->Ingest(Documents(0, 25)).ok());
  {
    Shipper shipper(engine.get(), {address}, FastOptions());
    shipper.Start();
    ASSERT_TRUE(WaitFor([&] { return !shipper.last_error(0).empty(); }));
    EXPECT_THAT(shipper.last_error(0), ::testing::HasSubstr("UNAVAILABLE"));
    EXPECT_EQ(engine->Backlog(0).applied_sequence, 0u);
    // Writes are still accepted while the shard is down.
    ASSERT_TRUE(engine->Ingest(Documents(25, 5)).ok());
    shipper.Stop();
  }
  // Shipping state survives a restart of loupe-ingest.
  engine.reset();
  engine = OpenEngine(dir.path(), 1);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->Backlog(0).last_sequence, 30u);
  EXPECT_GT(engine->Backlog(0).oldest_unshipped_age_ms, -1);

  Shipper shipper(engine.get(), {address}, FastOptions());
  shipper.Start();
  absl::SleepFor(absl::Milliseconds(300));
  RunningShard shard = StartShard(0, 1, port);
  ASSERT_TRUE(WaitFor([&] { return engine->Backlog(0).applied_sequence == 30; }));
  EXPECT_EQ(shard.service->applied(), 30u);
  EXPECT_EQ(shard.service->documents().size(), 30u);
  ASSERT_TRUE(WaitFor([&] { return shipper.last_error(0).empty(); }));
  auto rest = engine->ReadOutbox(0, 0, 1000, 1 << 30);
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(rest->empty());
  shipper.Stop();
  shard.server->Shutdown();
}

// A restore from a backup taken in the documented order (ingest first, then
// the shards) can leave a shard ahead of ingest: it applied operations that
// the restored ingest never had. New writes must not reuse those sequence
// numbers, or the shard would skip them as already applied.
TEST(ShipperTest, AfterARestoreWithTheShardAheadNewWritesAreNotSkipped) {
  ScopedTempDir dir("shipper-restore");
  ScopedTempDir checkpoint("shipper-restore-checkpoint");
  RunningShard shard = StartShard(0, 1, 0);
  auto engine = OpenEngine(dir.path(), 1);
  ASSERT_NE(engine, nullptr);
  {
    Shipper shipper(engine.get(), {shard.address}, FastOptions());
    shipper.Start();
    ASSERT_TRUE(engine->Ingest(Documents(0, 5)).ok());
    ASSERT_TRUE(WaitFor([&] { return shard.service->applied() == 5; }));
    auto backlogs = engine->Checkpoint(checkpoint.path());  // Ingest's checkpoint: sequence 5.
    ASSERT_TRUE(backlogs.ok()) << backlogs.status();
    ASSERT_EQ(backlogs->size(), 1u);
    EXPECT_EQ((*backlogs)[0].last_sequence, 5u);
    // Acknowledged after ingest's checkpoint, applied before the shard's.
    ASSERT_TRUE(engine->Ingest(Documents(5, 5)).ok());
    ASSERT_TRUE(WaitFor([&] { return shard.service->applied() == 10; }));
    shipper.Stop();
  }
  engine.reset();

  // Restore ingest from its checkpoint; writes arrive before the shipper
  // reaches the shard (and ingest even restarts once in between).
  engine = OpenEngine(checkpoint.path(), 1);
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(engine->NeedsReconcile(0));
  ASSERT_TRUE(engine->Ingest(Documents(100, 2)).ok());
  engine.reset();
  engine = OpenEngine(checkpoint.path(), 1);
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->Ingest(Documents(102, 1)).ok());
  EXPECT_EQ(engine->Backlog(0).last_sequence, 8u);  // 6, 7, 8: taken by the shard already.

  Shipper shipper(engine.get(), {shard.address}, FastOptions());
  shipper.Start();
  ASSERT_TRUE(WaitFor([&] { return engine->Backlog(0).applied_sequence == 13; }))
      << engine->Backlog(0).applied_sequence << " " << shipper.last_error(0);
  EXPECT_FALSE(engine->NeedsReconcile(0));
  EXPECT_EQ(engine->Backlog(0).last_sequence, 13u);
  EXPECT_EQ(shard.service->applied(), 13u);
  const auto documents = shard.service->documents();
  for (const char* id : {"doc-100", "doc-101", "doc-102", "doc-9"}) {
    EXPECT_EQ(documents.count(id), 1u) << id;
  }
  // Later writes continue from there.
  ASSERT_TRUE(engine->Ingest(Documents(103, 1)).ok());
  ASSERT_TRUE(WaitFor([&] { return shard.service->applied() == 14; }));
  EXPECT_EQ(shard.service->documents().count("doc-103"), 1u);
  shipper.Stop();
  shard.server->Shutdown();
}

// Without a restore the shard is never ahead, and reconciling changes nothing.
TEST(ShipperTest, ReconcileIsANoOpWhenTheShardIsBehindOrEqual) {
  ScopedTempDir dir("shipper-reconcile");
  auto engine = OpenEngine(dir.path(), 1);
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->Ingest(Documents(0, 3)).ok());
  ASSERT_TRUE(engine->ReconcileWithShard(0, 0).ok());
  EXPECT_FALSE(engine->NeedsReconcile(0));
  EXPECT_EQ(engine->Backlog(0).last_sequence, 3u);
  EXPECT_EQ(engine->Backlog(0).applied_sequence, 0u);
  // Only the first contact after an Open counts.
  ASSERT_TRUE(engine->ReconcileWithShard(0, 50).ok());
  EXPECT_EQ(engine->Backlog(0).last_sequence, 3u);
  auto outbox = engine->ReadOutbox(0, 0, 100, 1 << 30);
  ASSERT_TRUE(outbox.ok());
  ASSERT_EQ(outbox->size(), 3u);
  EXPECT_EQ((*outbox)[0].sequence(), 1u);
}

}  // namespace
}  // namespace loupe
