// loupe-probe: asks grpc.health.v1.Health/Check of one or more servers and
// exits 0 when every one answers SERVING. Used by tools/loupe-local to wait
// for a cluster, and handy in scripts and containers.
//
//   loupe-probe 127.0.0.1:50051 127.0.0.1:50061      # exit 0 / 1
//   loupe-probe --wait_ms=30000 127.0.0.1:50052      # retry until SERVING
//   loupe-probe --tls_ca=ca.pem --tls_cert=c.pem --tls_key=c.key 127.0.0.1:50061
// TLS flags as in services/common/client_security_flags.h; inside a pod the
// service's LOUPE_TLS_CA/CERT/KEY apply, so an exec probe needs no flags.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/client_security_flags.h"
#include "services/common/flags.h"
#include "services/common/status_util.h"

ABSL_FLAG(int32_t, probe_timeout_ms, 1000, "Deadline of one Health/Check call");
ABSL_FLAG(int32_t, wait_ms, 0, "Keep retrying for up to this long until SERVING");
ABSL_FLAG(bool, quiet, false, "Print nothing, only set the exit code");

namespace {

// "SERVING", "NOT_SERVING", or the RPC error.
std::string CheckOnce(const std::string& address, const loupe::ClientTls& tls) {
  auto channel = loupe::MakeClientChannel(address, tls, /*api_key=*/"");
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(absl::GetFlag(FLAGS_probe_timeout_ms)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return std::string(loupe::GrpcCodeName(status.error_code())) + ": " + status.error_message();
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> addresses = loupe::ParseFlags(
      argc, argv,
      "loupe-probe [--wait_ms=N] [--tls_ca=FILE [--tls_cert=FILE --tls_key=FILE]] HOST:PORT...: "
      "exit 0 when every server is SERVING");
  if (addresses.size() < 2) {
    std::cerr << "usage: loupe-probe [--wait_ms=N] [--tls_ca=FILE] HOST:PORT..." << std::endl;
    return 2;
  }
  const absl::StatusOr<loupe::ClientTls> tls = loupe::ClientTlsFromFlags();
  if (!tls.ok()) {
    std::cerr << "loupe-probe: " << tls.status().message() << std::endl;
    return 2;
  }
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(absl::GetFlag(FLAGS_wait_ms));
  bool all_serving = true;
  for (size_t i = 1; i < addresses.size(); ++i) {
    std::string state;
    while (true) {
      state = CheckOnce(addresses[i], *tls);
      if (state == "SERVING" || std::chrono::steady_clock::now() >= give_up) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!absl::GetFlag(FLAGS_quiet)) std::cout << addresses[i] << " " << state << std::endl;
    all_serving = all_serving && state == "SERVING";
  }
  return all_serving ? 0 : 1;
}
