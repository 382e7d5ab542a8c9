#include "services/index/index_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

// Moves an engine result into the response, or maps its error.
template <typename Response>
grpc::Status Reply(absl::StatusOr<Response> result, Response* response,
                   absl::string_view method) {
  if (!result.ok()) {
    const absl::StatusCode code = result.status().code();
    if (code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kFailedPrecondition) {
      LogError(absl::StrCat(method, ": ", result.status().ToString()));
    }
    return ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status IndexServiceImpl::Apply(grpc::ServerContext*, const v1::ApplyRequest* request,
                                     v1::ApplyResponse* response) {
  return Reply(engine_->Apply(*request), response, "Apply");
}

grpc::Status IndexServiceImpl::TermStats(grpc::ServerContext*,
                                         const v1::TermStatsRequest* request,
                                         v1::TermStatsResponse* response) {
  return Reply(engine_->TermStats(*request), response, "TermStats");
}

grpc::Status IndexServiceImpl::Search(grpc::ServerContext*,
                                      const v1::ShardSearchRequest* request,
                                      v1::ShardSearchResponse* response) {
  return Reply(engine_->Search(*request), response, "Search");
}

grpc::Status IndexServiceImpl::Explain(grpc::ServerContext*,
                                       const v1::ShardExplainRequest* request,
                                       v1::ShardExplainResponse* response) {
  return Reply(engine_->Explain(*request), response, "Explain");
}

grpc::Status IndexServiceImpl::Fetch(grpc::ServerContext*, const v1::FetchRequest* request,
                                     v1::FetchResponse* response) {
  return Reply(engine_->Fetch(*request), response, "Fetch");
}

grpc::Status IndexServiceImpl::Info(grpc::ServerContext*, const v1::InfoRequest*,
                                    v1::InfoResponse* response) {
  return Reply(engine_->Info(), response, "Info");
}

}  // namespace loupe
