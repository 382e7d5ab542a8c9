// IndexServiceImpl: the gRPC edge of loupe-index. Each handler hands the
// request to IndexEngine and maps its absl::Status with ToGrpcStatus; there
// is no logic here beyond that.
//
//   IndexServiceImpl service(engine.get());
//   loupe::ServeUntilSignal({.listen_address = ..., .name = "loupe-index"}, {&service}, {});
#ifndef LOUPE_SERVICES_INDEX_INDEX_SERVICE_H_
#define LOUPE_SERVICES_INDEX_INDEX_SERVICE_H_

#include "loupe/v1/index.grpc.pb.h"
#include "services/index/index_engine.h"

namespace loupe {

class IndexServiceImpl final : public v1::IndexService::Service {
 public:
  // `engine` is not owned and must outlive the service.
  explicit IndexServiceImpl(IndexEngine* engine) : engine_(engine) {}

  grpc::Status Apply(grpc::ServerContext* context, const v1::ApplyRequest* request,
                     v1::ApplyResponse* response) override;
  grpc::Status TermStats(grpc::ServerContext* context, const v1::TermStatsRequest* request,
                         v1::TermStatsResponse* response) override;
  grpc::Status Search(grpc::ServerContext* context, const v1::ShardSearchRequest* request,
                      v1::ShardSearchResponse* response) override;
  grpc::Status Explain(grpc::ServerContext* context, const v1::ShardExplainRequest* request,
                       v1::ShardExplainResponse* response) override;
  grpc::Status Fetch(grpc::ServerContext* context, const v1::FetchRequest* request,
                     v1::FetchResponse* response) override;
  grpc::Status Info(grpc::ServerContext* context, const v1::InfoRequest* request,
                    v1::InfoResponse* response) override;

 private:
  IndexEngine* engine_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_INDEX_SERVICE_H_
