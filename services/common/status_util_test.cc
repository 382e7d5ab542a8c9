#include "services/common/status_util.h"

#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace loupe {
namespace {

using ::testing::HasSubstr;

TEST(StatusUtilTest, RocksDbErrorsKeepTheirDetail) {
  absl::Status status =
      FromRocksDb(rocksdb::Status::IOError("disk on fire", "/var/db/000012.sst"), "put outbox");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("put outbox"));
  EXPECT_THAT(status.message(), HasSubstr("disk on fire"));
  EXPECT_THAT(status.message(), HasSubstr("000012.sst"));
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Corruption("bad block"), "get").code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "get").ok());
}

TEST(StatusUtilTest, FieldViolationsBecomeBadRequestDetails) {
  FieldViolations violations;
  violations.Add("documents[0].body", "is required");
  violations.Add("documents[3].title", "is not valid UTF-8 (byte 7)");
  grpc::Status grpc_status = ToGrpcStatus(violations.ToStatus("invalid documents"));
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(grpc_status.error_message(), HasSubstr("documents[0].body: is required"));

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(grpc_status.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(1).field(), "documents[3].title");
}

TEST(StatusUtilTest, PlainErrorsHaveNoDetails) {
  grpc::Status grpc_status = ToGrpcStatus(absl::NotFoundError("no document 'x'"));
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(grpc_status.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(StatusUtilTest, GrpcErrorsNameTheCall) {
  absl::Status status = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"), "index shard 1 Search");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "index shard 1 Search: UNAVAILABLE: connection refused");
}

}  // namespace
}  // namespace loupe
