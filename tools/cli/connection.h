// Channels and call contexts of the `loupe` client.
//
//   auto channel = MakeChannel(absl::GetFlag(FLAGS_query));
//   auto stub = loupe::v1::QueryService::NewStub(channel);
//   auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
//   grpc::Status status = stub->Search(context.get(), request, &response);
#ifndef LOUPE_TOOLS_CLI_CONNECTION_H_
#define LOUPE_TOOLS_CLI_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>

namespace loupe::cli {

// Deadlines when --timeout_ms is not given.
inline constexpr int64_t kDefaultIngestTimeoutMs = 10000;
inline constexpr int64_t kDefaultTimeoutMs = 5000;

// An insecure channel (64 MiB messages each way) to host:port.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// A context whose deadline is `timeout_ms` from now.
std::unique_ptr<grpc::ClientContext> ContextWithTimeout(int64_t timeout_ms);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_CONNECTION_H_
