#include "tools/cli/connection.h"

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "services/common/client_channel.h"
#include "services/common/client_security_flags.h"
#include "tools/cli/cli_flags.h"

namespace loupe::cli {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  static const ClientTls* const tls = [] {
    absl::StatusOr<ClientTls> loaded = ClientTlsFromFlags();
    if (!loaded.ok()) {
      std::cerr << "loupe: " << loaded.status().message() << std::endl;
      std::exit(kExitUsage);
    }
    return new ClientTls(*std::move(loaded));
  }();
  return MakeClientChannel(address, *tls, absl::GetFlag(FLAGS_api_key));
}

std::unique_ptr<grpc::ClientContext> ContextWithTimeout(int64_t timeout_ms) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  return context;
}

}  // namespace loupe::cli
