// Reading the rich error details of a failed gRPC call (google.rpc.Status in
// the grpc-status-details-bin trailer) and printing failures the `loupe` way:
//
//   loupe: <what failed>: <CODE>: <message>
//     <field>: <description>          (one line per google.rpc.BadRequest violation)
//
//   grpc::Status status = stub->Get(&context, request, &response);
//   if (!status.ok()) { PrintRpcError("get doc-1", status); return kExitFailure; }
#ifndef LOUPE_TOOLS_CLI_RPC_ERRORS_H_
#define LOUPE_TOOLS_CLI_RPC_ERRORS_H_

#include <grpcpp/support/status.h>

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"

namespace loupe::cli {

// The BadRequest / ErrorInfo attached to the status, if any.
std::optional<google::rpc::BadRequest> BadRequestOf(const grpc::Status& status);
std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status);

// "<CODE>: <message>", e.g. "UNAVAILABLE: failed to connect to all addresses".
std::string DescribeStatus(const grpc::Status& status);

// Rewrites a violation's field path for the user; e.g. maps
// "documents[3].body" to "corpus.jsonl:17: body". Identity when null.
using FieldDescriber = std::function<std::string(absl::string_view field)>;

// The full message (first line plus one indented line per field violation).
std::string FormatRpcError(absl::string_view what, const grpc::Status& status,
                           const FieldDescriber& describe_field = nullptr);

// Prints FormatRpcError to stderr.
void PrintRpcError(absl::string_view what, const grpc::Status& status,
                   const FieldDescriber& describe_field = nullptr);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_RPC_ERRORS_H_
