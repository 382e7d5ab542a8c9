// The gRPC edge of loupe-query, in-process: QueryServiceImpl on a loopback
// port in front of two FakeIndexShards, called through a real stub.
#include "services/query/query_service.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "services/query/fake_index_shard.h"

namespace loupe::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class QueryServiceTest : public ::testing::Test {
 protected:
  void StartCluster(CannedShard shard1) {
    shard0_ = std::make_unique<FakeIndexShard>(CannedShard0());
    shard0_->Start();
    shard1_ = std::make_unique<FakeIndexShard>(std::move(shard1));
    shard1_->Start();
    QueryEngineOptions options;
    options.default_timeout = absl::Seconds(10);
    engine_ = std::make_unique<QueryEngine>(
        std::vector<std::string>{shard0_->address(), shard1_->address()}, options);
    service_ = std::make_unique<QueryServiceImpl>(engine_.get(), SearchRequestLimits{});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = loupe::v1::QueryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    if (shard0_ != nullptr) shard0_->Stop();
    if (shard1_ != nullptr) shard1_->Stop();
  }

  grpc::Status Search(const loupe::v1::SearchRequest& request, loupe::v1::SearchResponse* response,
                      absl::Duration timeout = absl::Seconds(5)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return stub_->Search(&context, request, response);
  }

  std::unique_ptr<FakeIndexShard> shard0_;
  std::unique_ptr<FakeIndexShard> shard1_;
  std::unique_ptr<QueryEngine> engine_;
  std::unique_ptr<QueryServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<loupe::v1::QueryService::Stub> stub_;
};

std::vector<std::string> BadRequestFields(const grpc::Status& status) {
  google::rpc::Status details;
  std::vector<std::string> fields;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (any.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        fields.push_back(violation.field());
      }
    }
  }
  return fields;
}

TEST_F(QueryServiceTest, SearchesWithDefaultLimit) {
  StartCluster(CannedShard1());
  loupe::v1::SearchRequest request;
  request.set_query("nvidia");
  loupe::v1::SearchResponse response;
  grpc::Status status = Search(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.hits_size(), 5);
  // One hit more than the page: it tells whether a next page exists.
  EXPECT_EQ(shard0_->last_search().limit(), 11u);
  EXPECT_EQ(response.total_hits(), 17u);
  EXPECT_EQ(response.total_hits_relation(), loupe::v1::TOTAL_HITS_RELATION_EXACT);
  EXPECT_THAT(response.answered_shards(), ElementsAre(0, 1));
  EXPECT_TRUE(response.has_took());
}

TEST_F(QueryServiceTest, OneLowerBoundShardMakesTheTotalALowerBound) {
  CannedShard pruned = CannedShard1();
  pruned.total_hits_is_lower_bound = true;
  StartCluster(pruned);
  loupe::v1::SearchRequest request;
  request.set_query("nvidia");
  request.set_total_hits_threshold(50);
  loupe::v1::SearchResponse response;
  grpc::Status status = Search(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(shard0_->last_search().total_hits_threshold(), 50u);
  EXPECT_EQ(response.total_hits(), 17u);
  EXPECT_EQ(response.total_hits_relation(), loupe::v1::TOTAL_HITS_RELATION_LOWER_BOUND);
}

TEST_F(QueryServiceTest, ClientDeadlineBoundsAHungShard) {
  CannedShard hung = CannedShard1();
  hung.delay = absl::Seconds(30);
  StartCluster(hung);
  loupe::v1::SearchRequest request;
  request.set_query("nvidia");
  loupe::v1::SearchResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = Search(request, &response, absl::Milliseconds(700));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(700));
  ASSERT_EQ(response.missing_shards_size(), 1);
  EXPECT_EQ(response.missing_shards(0).shard(), 1u);
  EXPECT_EQ(response.hits_size(), 3);
}

TEST_F(QueryServiceTest, InvalidRequestNamesTheFields) {
  StartCluster(CannedShard1());
  loupe::v1::SearchRequest request;
  request.set_query("");
  request.set_limit(5000);
  loupe::v1::SearchResponse response;
  grpc::Status status = Search(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(status), ElementsAre("query", "limit"));
}

TEST_F(QueryServiceTest, MalformedQueryGivesThePosition) {
  StartCluster(CannedShard1());
  loupe::v1::SearchRequest request;
  request.set_query("nvidia weight:3");
  loupe::v1::SearchResponse response;
  grpc::Status status = Search(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("unknown field 'weight'"));
  EXPECT_THAT(status.error_message(), HasSubstr("at position 7"));
  EXPECT_THAT(BadRequestFields(status), ElementsAre("query"));
}

TEST_F(QueryServiceTest, NoShardIsUnavailable) {
  StartCluster(CannedShard1());
  shard0_->Stop();
  shard1_->Stop();
  loupe::v1::SearchRequest request;
  request.set_query("nvidia");
  loupe::v1::SearchResponse response;
  grpc::Status status = Search(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace loupe::query
