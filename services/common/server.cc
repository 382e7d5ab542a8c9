#include "services/common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.pb.h"
#include "services/common/auth_server_credentials.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/metrics_http.h"
#include "services/common/rpc_observer.h"
#include "services/common/security_flags.h"

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

// Removes the reflection plugin, which libgrpc++_reflection registers for
// every server as soon as it is loaded (--reflection=false, health port).
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
                                    return plugin->name() == "proto_server_reflection";
                                  }),
                   plugins->end());
  }
};

// The plaintext port that serves only grpc.health.v1.Health (its own default
// health service, kept in step with the main server's).
// gRPC listens with SO_REUSEPORT by default: a second loupe-index started
// on a taken port would silently share its connections with the first, so
// that searches hit one data folder or the other at random. Without it, the
// second process fails to bind and exits with "port in use".
void RefusePortSharing(grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

absl::StatusOr<std::unique_ptr<grpc::Server>> StartHealthOnlyServer(const std::string& address) {
  // gRPC refuses a server with no method to poll; the generic service answers
  // UNIMPLEMENTED to everything but the health checks.
  static auto* const unimplemented = new grpc::CallbackGenericService();
  grpc::ServerBuilder builder;
  RefusePortSharing(builder);
  int bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  builder.SetOption(std::make_unique<WithoutReflection>());
  builder.RegisterCallbackGenericService(unimplemented);
  builder.SetMaxReceiveMessageSize(4096);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("--health_listen=", address, ": cannot listen (port in use?)"));
  }
  // A new health service says SERVING; not until the main server is up.
  server->GetHealthCheckService()->SetServingStatus(false);
  return server;
}

std::string SecuritySummary(const ServerSecurity& security) {
  static constexpr const char* kClientAuth[] = {"none", "request", "require"};
  return absl::StrCat(
      security.tls.enabled
          ? absl::StrCat("TLS (client certificates: ",
                         kClientAuth[static_cast<int>(security.tls.client_auth)], ")")
          : std::string("plaintext"),
      security.api_keys != nullptr
          ? absl::StrCat(", ", security.api_keys->size(), " API keys from ", security.api_keys_file)
          : std::string(", no API keys"),
      security.reflection ? ", reflection on" : ", reflection off");
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
  // Debian builds Abseil without NDEBUG, so every absl::Mutex lock (ours
  // and gRPC core's) also updated a deadlock-detection graph, as in a debug
  // build; a release build does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Referencing the generated health descriptor keeps health.pb.o linked, so
  // reflection can describe grpc.health.v1.Health (grpc/grpc#36665).
  const auto* health_descriptor = grpc::health::v1::HealthCheckRequest::descriptor();
  (void)health_descriptor;

  absl::StatusOr<RpcLogging> logging = ParseRpcLogging(absl::GetFlag(FLAGS_log_rpcs));
  if (!logging.ok()) return logging.status();
  absl::StatusOr<ServerSecurity> security = ServerSecurityFromFlags();
  if (!security.ok()) return security.status();

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

  std::unique_ptr<grpc::Server> health_server;
  if (!security->health_listen.empty()) {
    absl::StatusOr<std::unique_ptr<grpc::Server>> started =
        StartHealthOnlyServer(security->health_listen);
    if (!started.ok()) return started.status();
    health_server = *std::move(started);
  }

  grpc::ServerBuilder builder;
  RefusePortSharing(builder);
  int bound_port = 0;
  builder.AddListeningPort(options.listen_address,
                           MakeServerCredentials(security->tls, security->api_keys), &bound_port);
  if (!security->reflection) builder.SetOption(std::make_unique<WithoutReflection>());
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.experimental().SetInterceptorCreators(MakeRpcObserverFactories(*logging));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    if (health_server != nullptr) health_server->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, " (port in use?)"));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  if (health_server != nullptr) health_server->GetHealthCheckService()->SetServingStatus(true);
  LogInfo(absl::StrCat(options.name, " serving on ", options.listen_address, ": ",
                       SecuritySummary(*security)));
  if (health_server != nullptr) {
    LogInfo(absl::StrCat("plaintext health checks on ", security->health_listen));
  }

  sigset_t signals = ShutdownSignals();
  int received = 0;
  sigwait(&signals, &received);
  LogInfo(absl::StrCat("received signal ", received, ", shutting down"));

  health->SetServingStatus(false);
  if (health_server != nullptr) health_server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(options.shutdown_grace_ms));
  server->Wait();
  if (health_server != nullptr) {
    health_server->Shutdown(std::chrono::system_clock::now());
    health_server->Wait();
  }
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
  // Read once: every internal channel of the process shares the TLS files.
  static const ClientTls* const tls = [] {
    absl::StatusOr<ClientTls> loaded = InternalClientTlsFromFlags();
    if (!loaded.ok()) {
      LogError(absl::StrCat("bad configuration: ", loaded.status().message()));
      std::exit(2);
    }
    return new ClientTls(*std::move(loaded));
  }();
  grpc::ChannelArguments args = InternalChannelArguments();
  std::shared_ptr<grpc::ChannelCredentials> credentials = ChannelCredentialsFor(*tls, &args);
  return grpc::CreateCustomChannel(address, credentials, args);
}

}  // namespace loupe
