#include "tools/cli/connection.h"

#include <chrono>

#include "services/common/server.h"

namespace loupe::cli {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  return loupe::MakeInternalChannel(address);
}

std::unique_ptr<grpc::ClientContext> ContextWithTimeout(int64_t timeout_ms) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  return context;
}

}  // namespace loupe::cli
