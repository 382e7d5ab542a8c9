// Channels and call contexts of the `loupe` client.
//
// Channels use TLS per --tls/--tls_ca/--tls_cert/--tls_key/--tls_server_name
// (services/common/client_security_flags.h) and send --api_key (LOUPE_API_KEY)
// as "authorization: Bearer <key>" on every call when it is set.
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

// A channel (64 MiB messages each way) to host:port, with the TLS and API key
// of the flags. A TLS flag naming a bad file ends the process: "loupe: ..." and
// exit status 2 (bad usage).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// A context whose deadline is `timeout_ms` from now.
std::unique_ptr<grpc::ClientContext> ContextWithTimeout(int64_t timeout_ms);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_CONNECTION_H_
