// `loupe get ID [--json]`, `loupe delete ID [ID...]` and `loupe status`.
//
// status: the grpc.health.v1 state of IngestService and QueryService
// (SERVING / NOT_SERVING / unreachable), then IngestService.Status (document
// count, per-shard backlog, applied sequence, last error) and
// QueryService.ClusterInfo (per-shard reachability, documents, applied
// sequence, disk). Exit code 1 when anything is unreachable or not serving.
// Each function returns the process exit code.
#ifndef LOUPE_TOOLS_CLI_ADMIN_COMMANDS_H_
#define LOUPE_TOOLS_CLI_ADMIN_COMMANDS_H_

#include <string>
#include <vector>

#include "loupe/v1/ingest.pb.h"
#include "loupe/v1/query.pb.h"

namespace loupe::cli {

int RunGet(const std::vector<std::string>& args);
int RunDelete(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);

// Readable renderings (exposed for tests).
std::string FormatStoredDocument(const loupe::v1::GetResponse& response);
std::string FormatIngestStatus(const loupe::v1::IngestStatusResponse& status);
std::string FormatClusterInfo(const loupe::v1::ClusterInfoResponse& info);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_ADMIN_COMMANDS_H_
