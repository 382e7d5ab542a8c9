#include "services/common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <chrono>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/metrics_http.h"
#include "services/common/rpc_observer.h"

ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of the Prometheus /metrics HTTP endpoint; default: the gRPC host with "
          "port + 1000; \"off\" disables it");
ABSL_FLAG(std::string, log_rpcs, "errors",
          "Which RPCs get a log line (method, status, peer, duration): all, errors or none");

namespace loupe {
namespace {

// The metrics address for a gRPC address: same host, port + 1000.
std::string DefaultMetricsAddress(const std::string& listen_address) {
  const size_t colon = listen_address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen_address.substr(colon + 1), &port) ||
      port + 1000 > 65535) {
    return "";
  }
  return absl::StrCat(listen_address.substr(0, colon), ":", port + 1000);
}

sigset_t ShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t signals = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

absl::Status ServeUntilSignal(const ServerOptions& options,
                              const std::vector<grpc::Service*>& services,
                              const std::function<void()>& on_shutdown) {
  if (absl::EndsWith(options.listen_address, ":0")) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address ", options.listen_address, ": pick an explicit port"));
  }
  // Referencing the generated health descriptor keeps health.pb.o linked, so
  // reflection can describe grpc.health.v1.Health (grpc/grpc#36665).
  const auto* health_descriptor = grpc::health::v1::HealthCheckRequest::descriptor();
  (void)health_descriptor;

  absl::StatusOr<RpcLogging> logging = ParseRpcLogging(absl::GetFlag(FLAGS_log_rpcs));
  if (!logging.ok()) return logging.status();

  // Metrics: an explicit address must work; the derived default may be taken
  // (tests, several services on one host), which only costs a warning.
  MetricsHttpServer metrics_http;
  RegisterProcessMetrics();
  const std::string explicit_metrics = absl::GetFlag(FLAGS_metrics_listen);
  if (explicit_metrics != "off") {
    const std::string address =
        explicit_metrics.empty() ? DefaultMetricsAddress(options.listen_address) : explicit_metrics;
    absl::Status started = address.empty() ? absl::InvalidArgumentError("no metrics port")
                                           : metrics_http.Start(address);
    if (!started.ok() && !explicit_metrics.empty()) return started;
    if (started.ok()) {
      LogInfo(absl::StrCat("metrics on http://", address, "/metrics"));
    } else {
      LogWarning(absl::StrCat("metrics endpoint disabled: ", started.message()));
    }
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.experimental().SetInterceptorCreators(MakeRpcObserverFactories(*logging));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, " (port in use?)"));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  LogInfo(absl::StrCat(options.name, " serving on ", options.listen_address));

  sigset_t signals = ShutdownSignals();
  int received = 0;
  sigwait(&signals, &received);
  LogInfo(absl::StrCat("received signal ", received, ", shutting down"));

  health->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(options.shutdown_grace_ms));
  server->Wait();
  // Gauges read engines that are about to be flushed and destroyed.
  metrics_http.Stop();
  Metrics().ClearGauges();
  if (on_shutdown) on_shutdown();
  LogInfo(absl::StrCat(options.name, " stopped"));
  return absl::OkStatus();
}

grpc::ChannelArguments InternalChannelArguments(int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  // Reconnect quickly after a shard restarts (default backoff grows to 120 s).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  return args;
}

std::shared_ptr<grpc::Channel> MakeInternalChannel(const std::string& address) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   InternalChannelArguments());
}

}  // namespace loupe
