// QueryServiceImpl: the gRPC handler of loupe.v1.QueryService. Thin: it
// validates the request (request_validation.h), takes the client's deadline
// and hands over to QueryEngine; errors leave as grpc::Status with details.
//
//   QueryEngine engine(addresses, options);
//   QueryServiceImpl service(&engine, SearchRequestLimits{.max_limit = 1000});
//   loupe::ServeUntilSignal({...}, {&service}, nullptr);
#ifndef LOUPE_SERVICES_QUERY_QUERY_SERVICE_H_
#define LOUPE_SERVICES_QUERY_QUERY_SERVICE_H_

#include "loupe/v1/query.grpc.pb.h"
#include "services/query/query_engine.h"
#include "services/query/request_validation.h"

namespace loupe::query {

class QueryServiceImpl final : public loupe::v1::QueryService::Service {
 public:
  // `engine` must outlive the service.
  QueryServiceImpl(const QueryEngine* engine, SearchRequestLimits limits)
      : engine_(engine), limits_(limits) {}

  grpc::Status Search(grpc::ServerContext* context, const loupe::v1::SearchRequest* request,
                      loupe::v1::SearchResponse* response) override;

  grpc::Status Explain(grpc::ServerContext* context, const loupe::v1::ExplainRequest* request,
                       loupe::v1::ExplainResponse* response) override;
  grpc::Status ClusterInfo(grpc::ServerContext* context,
                           const loupe::v1::ClusterInfoRequest* request,
                           loupe::v1::ClusterInfoResponse* response) override;

 private:
  const QueryEngine* engine_;
  SearchRequestLimits limits_;
};

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_QUERY_SERVICE_H_
