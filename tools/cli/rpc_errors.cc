#include "tools/cli/rpc_errors.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "services/common/status_util.h"

namespace loupe::cli {
namespace {

template <typename Detail>
std::optional<Detail> DetailOf(const grpc::Status& status) {
  if (status.error_details().empty()) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    Detail detail;
    if (any.Is<Detail>() && any.UnpackTo(&detail)) return detail;
  }
  return std::nullopt;
}

}  // namespace

std::optional<google::rpc::BadRequest> BadRequestOf(const grpc::Status& status) {
  return DetailOf<google::rpc::BadRequest>(status);
}

std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status) {
  return DetailOf<google::rpc::ErrorInfo>(status);
}

std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat(loupe::GrpcCodeName(status.error_code()), ": ", status.error_message());
}

std::string FormatRpcError(absl::string_view what, const grpc::Status& status,
                           const FieldDescriber& describe_field) {
  std::string text = absl::StrCat("loupe: ", what, ": ", DescribeStatus(status));
  if (std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status)) {
    for (const auto& violation : bad_request->field_violations()) {
      absl::StrAppend(&text, "\n  ",
                      describe_field ? describe_field(violation.field()) : violation.field(),
                      ": ", violation.description());
    }
  }
  return text;
}

void PrintRpcError(absl::string_view what, const grpc::Status& status,
                   const FieldDescriber& describe_field) {
  std::cerr << FormatRpcError(what, status, describe_field) << std::endl;
}

}  // namespace loupe::cli
