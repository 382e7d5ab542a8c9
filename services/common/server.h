// Server bootstrap shared by the three services: one gRPC server with the
// service's handlers, grpc.health.v1.Health (Kubernetes probes, grpcurl) and
// server reflection (grpcurl list/describe with no -proto flag), stopped
// cleanly on SIGTERM or SIGINT. TLS, mutual TLS, API keys, reflection and a
// plaintext health-only port come from the flags of security_flags.h.
//
//   int main(int argc, char** argv) {
//     loupe::BlockShutdownSignals();   // first, before any thread starts
//     loupe::ParseFlags(argc, argv, "...");
//     MyServiceImpl service(...);
//     absl::Status status = loupe::ServeUntilSignal(
//         {.listen_address = "127.0.0.1:50061", .name = "loupe-index"}, {&service},
//         /*on_shutdown=*/[&] { engine.Flush(); });
//     return status.ok() ? 0 : 1;
//   }
#ifndef LOUPE_SERVICES_COMMON_SERVER_H_
#define LOUPE_SERVICES_COMMON_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace loupe {

struct ServerOptions {
  // host:port to listen on, e.g. "0.0.0.0:50051". Port 0 is refused (gRPC
  // 1.51 may open a second listener for it).
  std::string listen_address;
  // Program name for logs.
  std::string name;
  // Largest request or response message, bytes.
  int max_message_bytes = 64 << 20;
  // Time given to in-flight RPCs to finish at shutdown.
  int shutdown_grace_ms = 5000;
};

// Blocks SIGTERM and SIGINT in the calling thread and in every thread it
// starts later, so ServeUntilSignal can wait for them. Call first in main.
void BlockShutdownSignals();

// Starts the server (TLS and API keys per security_flags.h) and reports SERVING on the health service (overall and
// per registered service), with the Prometheus endpoint (--metrics_listen)
// and per-RPC metrics and logs (--log_rpcs); blocks until SIGTERM or SIGINT,
// then reports NOT_SERVING, drains in-flight RPCs (up to the grace period),
// runs `on_shutdown` and returns. Fails when the address cannot be bound or
// a security flag is wrong (a file missing, cert without key, a bad key file).
absl::Status ServeUntilSignal(const ServerOptions& options,
                              const std::vector<grpc::Service*>& services,
                              const std::function<void()>& on_shutdown);

// Channel arguments shared by internal clients (message size, keepalive,
// reconnect backoff suited to loopback and in-cluster calls).
grpc::ChannelArguments InternalChannelArguments(int max_message_bytes = 64 << 20);

// A channel to `address` (an index shard) with InternalChannelArguments:
// plaintext, or TLS with --internal_tls (verified with --tls_ca, presenting
// --tls_cert/--tls_key for mutual TLS; see security_flags.h). The files are
// read at the first call; a bad file ends the process with a one-line error.
std::shared_ptr<grpc::Channel> MakeInternalChannel(const std::string& address);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_SERVER_H_
