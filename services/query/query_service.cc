#include "services/query/query_service.h"

#include <chrono>

#include "absl/time/clock.h"
#include "services/common/status_util.h"

namespace loupe::query {
namespace {

// The client's deadline, or InfiniteFuture when it set none.
absl::Time ClientDeadline(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

}  // namespace

grpc::Status QueryServiceImpl::Search(grpc::ServerContext* context,
                                      const loupe::v1::SearchRequest* request,
                                      loupe::v1::SearchResponse* response) {
  absl::StatusOr<loupe::v1::SearchRequest> valid = ValidateSearchRequest(*request, limits_);
  if (!valid.ok()) return ToGrpcStatus(valid.status());
  absl::StatusOr<loupe::v1::SearchResponse> result =
      engine_->Search(*valid, ClientDeadline(*context));
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::Explain(grpc::ServerContext* context,
                                       const loupe::v1::ExplainRequest* request,
                                       loupe::v1::ExplainResponse* response) {
  absl::StatusOr<loupe::v1::ExplainResponse> result =
      engine_->Explain(*request, ClientDeadline(*context));
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ClusterInfo(grpc::ServerContext* context,
                                           const loupe::v1::ClusterInfoRequest* request,
                                           loupe::v1::ClusterInfoResponse* response) {
  *response = engine_->ClusterInfo(ClientDeadline(*context));
  return grpc::Status::OK;
}

}  // namespace loupe::query
