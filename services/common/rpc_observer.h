// RpcObserver: a gRPC server interceptor that records, for every RPC, a
// count and a latency histogram by method and status code
// (loupe_rpc_total, loupe_rpc_duration_seconds), and logs one line per RPC:
//   "rpc /loupe.v1.QueryService/Search OK peer=ipv4:127.0.0.1:5412 1.8ms"
// (every RPC, only failed ones, or none: --log_rpcs=all|errors|none).
//
//   builder.experimental().SetInterceptorCreators(MakeRpcObserverFactories(RpcLogging::kErrors));
#ifndef LOUPE_SERVICES_COMMON_RPC_OBSERVER_H_
#define LOUPE_SERVICES_COMMON_RPC_OBSERVER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loupe {

enum class RpcLogging { kNone, kErrors, kAll };

// "all", "errors" or "none".
absl::StatusOr<RpcLogging> ParseRpcLogging(absl::string_view value);

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeRpcObserverFactories(RpcLogging logging);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_RPC_OBSERVER_H_
