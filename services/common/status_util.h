// Status conversions at module and process boundaries.
//
// Inside a service, errors travel as absl::Status. RocksDB errors are turned
// into absl::Status with their full detail (code, subcode, message) and the
// operation that failed; at the gRPC edge an absl::Status becomes a
// grpc::Status whose `grpc-status-details-bin` trailer carries a
// google.rpc.Status with every payload attached to the absl::Status (for
// example a google.rpc.BadRequest listing the invalid fields).
//
// Usage:
//   FieldViolations violations;
//   if (doc.body().empty()) violations.Add("documents[0].body", "is required");
//   if (!violations.empty()) return ToGrpcStatus(violations.ToStatus("invalid document"));
#ifndef LOUPE_SERVICES_COMMON_STATUS_UTIL_H_
#define LOUPE_SERVICES_COMMON_STATUS_UTIL_H_

#include <grpcpp/support/status.h>

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "rocksdb/status.h"

namespace loupe {

// Type URLs under which payloads are attached to absl::Status (the same URLs
// google.protobuf.Any uses, so they pass through to google.rpc.Status as is).
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";

// Maps a RocksDB status to an absl::Status, keeping RocksDB's message and
// prefixing what Loupe was doing: "rocksdb put documents: IO error: ...".
absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view operation);

// Returns early from the enclosing function when `expr` (an absl::Status) is
// not OK.
#define LOUPE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status loupe_status_ = (expr);         \
    if (!loupe_status_.ok()) return loupe_status_; \
  } while (0)

// Collects invalid fields of a request, to report them all at once.
class FieldViolations {
 public:
  // `field` is a path such as "documents[2].body"; `description` says why.
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.field_violations_size() == 0; }
  int size() const { return violations_.field_violations_size(); }
  // INVALID_ARGUMENT whose message is `summary` followed by the violations,
  // with a google.rpc.BadRequest payload.
  absl::Status ToStatus(absl::string_view summary) const;

 private:
  google::rpc::BadRequest violations_;
};

// One INVALID_ARGUMENT for a single field.
absl::Status InvalidField(std::string field, std::string description);

// Attaches a google.rpc.ErrorInfo payload (reason, domain "loupe", metadata).
void AttachErrorInfo(absl::Status& status, std::string reason,
                     const std::vector<std::pair<std::string, std::string>>& metadata);

// absl::Status -> grpc::Status with a google.rpc.Status details trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// grpc::Status -> absl::Status (for errors received from another service),
// prefixed with what was called: "index shard 1 Search: UNAVAILABLE: ...".
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view call);

// "DEADLINE_EXCEEDED" etc.
absl::string_view GrpcCodeName(grpc::StatusCode code);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_STATUS_UTIL_H_
