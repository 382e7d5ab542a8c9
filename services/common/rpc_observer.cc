#include "services/common/rpc_observer.h"

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RpcObserver final : public grpc::experimental::Interceptor {
 public:
  RpcObserver(grpc::experimental::ServerRpcInfo* info, RpcLogging logging)
      : info_(info), logging_(logging), started_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Record(const grpc::Status& status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const std::string method = info_->method() ? info_->method() : "unknown";
    const std::string code(GrpcCodeName(status.error_code()));
    Metrics().IncrementCounter("loupe_rpc_total", "RPCs handled, by method and status code",
                               {{"method", method}, {"code", code}});
    Metrics().ObserveHistogram("loupe_rpc_duration_seconds",
                               "RPC latency from the first message to the status, seconds",
                               {{"method", method}}, seconds);
    const bool failed = !status.ok();
    if (logging_ == RpcLogging::kAll || (logging_ == RpcLogging::kErrors && failed)) {
      std::string line = absl::StrFormat("rpc %s %s peer=%s %.1fms", method, code,
                                         info_->server_context()->peer(), seconds * 1000);
      if (failed) absl::StrAppend(&line, " error=\"", status.error_message(), "\"");
      if (failed) {
        LogWarning(line);
      } else {
        LogInfo(line);
      }
    }
  }

  grpc::experimental::ServerRpcInfo* const info_;
  const RpcLogging logging_;
  const std::chrono::steady_clock::time_point started_;
};

class RpcObserverFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcObserverFactory(RpcLogging logging) : logging_(logging) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcObserver(info, logging_);
  }

 private:
  const RpcLogging logging_;
};

}  // namespace

absl::StatusOr<RpcLogging> ParseRpcLogging(absl::string_view value) {
  if (value == "all") return RpcLogging::kAll;
  if (value == "errors") return RpcLogging::kErrors;
  if (value == "none") return RpcLogging::kNone;
  return absl::InvalidArgumentError(
      absl::StrCat("--log_rpcs='", value, "': expected all, errors or none"));
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeRpcObserverFactories(RpcLogging logging) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<RpcObserverFactory>(logging));
  return factories;
}

}  // namespace loupe
