#include "services/index/index_service.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::ApplyRequestFor;
using ::loupe::testing_util::TempDir;
using ::loupe::testing_util::Upsert;
using ::testing::HasSubstr;

// The handler over a real in-process gRPC server.
class IndexServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IndexEngineOptions options;
    absl::StatusOr<std::unique_ptr<IndexEngine>> engine =
        IndexEngine::Open(dir_.path(), options, RocksOptions{});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    service_ = std::make_unique<IndexServiceImpl>(engine_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::IndexService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  TempDir dir_;
  std::unique_ptr<IndexEngine> engine_;
  std::unique_ptr<IndexServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::IndexService::Stub> stub_;
};

TEST_F(IndexServiceTest, AppliesAndReportsInfo) {
  grpc::ClientContext apply_context;
  v1::ApplyResponse applied;
  grpc::Status status = stub_->Apply(
      &apply_context, ApplyRequestFor(0, 1, {Upsert(1, "a", "Title", "some body text")}), &applied);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(applied.applied_sequence(), 1u);

  grpc::ClientContext info_context;
  v1::InfoResponse info;
  ASSERT_TRUE(stub_->Info(&info_context, v1::InfoRequest(), &info).ok());
  EXPECT_EQ(info.shard_count(), 1u);
  EXPECT_EQ(info.applied_sequence(), 1u);
  EXPECT_EQ(info.stats().document_count(), 1u);
}

TEST_F(IndexServiceTest, MapsErrorsToGrpcStatusWithFieldViolations) {
  grpc::ClientContext context;
  v1::ApplyResponse applied;
  grpc::Status status =
      stub_->Apply(&context, ApplyRequestFor(0, 1, {Upsert(2, "a", "", "x"), Upsert(1, "b", "", "y")}),
                   &applied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("operations[1].sequence"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_GE(details.details_size(), 1);

  grpc::ClientContext wrong_shard_context;
  status = stub_->Apply(&wrong_shard_context, ApplyRequestFor(1, 2, {}), &applied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace loupe
