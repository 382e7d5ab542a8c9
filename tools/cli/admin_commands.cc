#include "tools/cli/admin_commands.h"

#include <iostream>
#include <map>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "loupe/v1/ingest.grpc.pb.h"
#include "loupe/v1/query.grpc.pb.h"
#include "tools/cli/cli_flags.h"
#include "tools/cli/connection.h"
#include "tools/cli/output_format.h"
#include "tools/cli/rpc_errors.h"

namespace loupe::cli {
namespace {

constexpr int kMaxDeleteIds = 1000;  // DeleteRequest limit

int UsageError(absl::string_view command, absl::string_view message) {
  std::cerr << "loupe: " << command << ": " << message << "\nRun 'loupe --help' for usage."
            << std::endl;
  return kExitUsage;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

// "SERVING", "NOT_SERVING", ... or "unreachable (<CODE>: <message>)"; sets
// `healthy` to whether the service is SERVING.
std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel, bool* healthy) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(context.get(), request, &response);
  *healthy = status.ok() &&
             response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  if (!status.ok()) return absl::StrCat("unreachable (", DescribeStatus(status), ")");
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

// "name:" padded to a column.
std::string Label(absl::string_view name) {
  return absl::StrFormat("%-14s", absl::StrCat(name, ":"));
}

}  // namespace

std::string FormatStoredDocument(const loupe::v1::GetResponse& response) {
  const loupe::v1::Document& document = response.document();
  std::string out;
  auto field = [&out](absl::string_view name, absl::string_view value) {
    if (!value.empty()) absl::StrAppend(&out, Label(name), value, "\n");
  };
  field("id", document.id());
  field("version", absl::StrCat(document.version()));
  field("title", document.title());
  field("url", document.url());
  field("source", document.source());
  field("lang", document.lang());
  if (document.has_published_at()) field("published", FormatTimestamp(document.published_at()));
  field("content type", document.content_type());
  field("shard", absl::StrCat(response.shard()));
  field("duplicate of",
        response.duplicate_cluster() == document.id() ? "" : response.duplicate_cluster());
  if (response.has_ingested_at()) field("ingested", FormatTimestamp(response.ingested_at()));
  const std::map<std::string, std::string> tags(document.tags().begin(), document.tags().end());
  for (const auto& [key, value] : tags) field(absl::StrCat("tag ", key), value);
  absl::StrAppend(&out, "\n", document.body());
  if (!document.body().empty() && document.body().back() != '\n') out.push_back('\n');
  return out;
}

std::string FormatIngestStatus(const loupe::v1::IngestStatusResponse& status) {
  std::string out = absl::StrCat("  documents: ", FormatCount(status.document_count()),
                                 ", shards: ", status.shard_count(), "\n");
  if (status.shards_size() > 0) {
    absl::StrAppend(&out, absl::StrFormat("  %5s  %-22s %12s %12s %16s %10s  %s\n", "shard",
                                          "address", "last seq", "applied seq", "backlog/limit",
                                          "oldest", "last error"));
  }
  for (const auto& shard : status.shards()) {
    absl::StrAppend(
        &out,
        absl::StrFormat("  %5d  %-22s %12d %12d %16s %10s  %s\n", shard.shard(), shard.address(),
                        shard.last_sequence(), shard.applied_sequence(),
                        absl::StrCat(FormatCount(shard.backlog()), "/",
                                     FormatCount(shard.backlog_limit())),
                        shard.oldest_unshipped_age_ms() > 0
                            ? absl::StrFormat("%.1f s", shard.oldest_unshipped_age_ms() / 1000.0)
                            : "-",
                        shard.last_error().empty() ? "-" : shard.last_error()));
  }
  return out;
}

std::string FormatClusterInfo(const loupe::v1::ClusterInfoResponse& info) {
  std::string out = absl::StrCat("  documents: ", FormatCount(info.document_count()),
                                 " (reachable shards), shards: ", info.shard_count(), "\n");
  if (info.shards_size() > 0) {
    absl::StrAppend(&out, absl::StrFormat("  %5s  %-22s %-11s %12s %12s %10s  %s\n", "shard",
                                          "address", "state", "documents", "applied seq",
                                          "disk", "error"));
  }
  for (const auto& shard : info.shards()) {
    absl::StrAppend(&out, absl::StrFormat("  %5d  %-22s %-11s %12s %12d %10s  %s\n",
                                          shard.shard(), shard.address(),
                                          shard.reachable() ? "reachable" : "UNREACHABLE",
                                          FormatCount(shard.document_count()),
                                          shard.applied_sequence(),
                                          FormatBytes(shard.disk_bytes()),
                                          shard.error().empty() ? "-" : shard.error()));
  }
  return out;
}

int RunGet(const std::vector<std::string>& args) {
  if (args.size() != 1) return UsageError("get", "expected exactly one ID");
  const std::string address = absl::GetFlag(FLAGS_ingest);
  auto stub = loupe::v1::IngestService::NewStub(MakeChannel(address));
  auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
  loupe::v1::GetRequest request;
  request.set_id(args[0]);
  loupe::v1::GetResponse response;
  const grpc::Status status = stub->Get(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError(absl::StrCat("get ", args[0], " from ", address), status);
    return kExitFailure;
  }
  std::cout << (absl::GetFlag(FLAGS_json) ? ToJson(response) : FormatStoredDocument(response));
  return kExitOk;
}

int RunDelete(const std::vector<std::string>& args) {
  if (args.empty()) return UsageError("delete", "no ID given");
  const std::string address = absl::GetFlag(FLAGS_ingest);
  auto stub = loupe::v1::IngestService::NewStub(MakeChannel(address));
  int64_t deleted = 0, missing = 0;
  for (size_t begin = 0; begin < args.size(); begin += kMaxDeleteIds) {
    loupe::v1::DeleteRequest request;
    for (size_t i = begin; i < std::min(args.size(), begin + kMaxDeleteIds); ++i) {
      request.add_ids(args[i]);
    }
    auto context = ContextWithTimeout(TimeoutMs(kDefaultIngestTimeoutMs));
    loupe::v1::DeleteResponse response;
    const grpc::Status status = stub->Delete(context.get(), request, &response);
    if (!status.ok()) {
      PrintRpcError(absl::StrCat("delete on ", address), status);
      if (deleted + missing > 0) {
        std::cerr << "loupe: " << deleted << " deleted before the error" << std::endl;
      }
      return kExitFailure;
    }
    for (const auto& result : response.results()) {
      if (result.found()) {
        ++deleted;
        std::cout << "deleted " << result.id() << " (version " << result.version() << ")\n";
      } else {
        ++missing;
        std::cout << "not found " << result.id() << "\n";
      }
    }
  }
  std::cout << deleted << " deleted, " << missing << " not found" << std::endl;
  return kExitOk;
}

int RunStatus(const std::vector<std::string>& args) {
  if (!args.empty()) return UsageError("status", "takes no arguments");
  const std::string ingest_address = absl::GetFlag(FLAGS_ingest);
  const std::string query_address = absl::GetFlag(FLAGS_query);
  auto ingest_channel = MakeChannel(ingest_address);
  auto query_channel = MakeChannel(query_address);
  bool ingest_healthy = false, query_healthy = false;
  const std::string ingest_health = CheckHealth(ingest_channel, &ingest_healthy);
  const std::string query_health = CheckHealth(query_channel, &query_healthy);
  bool all_ok = ingest_healthy && query_healthy;

  std::cout << "ingest " << ingest_address << ": " << ingest_health << "\n";
  if (ingest_health.rfind("unreachable", 0) != 0) {
    auto stub = loupe::v1::IngestService::NewStub(ingest_channel);
    auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
    loupe::v1::IngestStatusResponse response;
    const grpc::Status status =
        stub->Status(context.get(), loupe::v1::IngestStatusRequest(), &response);
    if (status.ok()) {
      std::cout << FormatIngestStatus(response);
    } else {
      std::cout << "  Status failed: " << DescribeStatus(status) << "\n";
      all_ok = false;
    }
  }
  std::cout << "query  " << query_address << ": " << query_health << "\n";
  if (query_health.rfind("unreachable", 0) != 0) {
    auto stub = loupe::v1::QueryService::NewStub(query_channel);
    auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
    loupe::v1::ClusterInfoResponse response;
    const grpc::Status status =
        stub->ClusterInfo(context.get(), loupe::v1::ClusterInfoRequest(), &response);
    if (status.ok()) {
      std::cout << FormatClusterInfo(response);
      for (const auto& shard : response.shards()) all_ok = all_ok && shard.reachable();
    } else {
      std::cout << "  ClusterInfo failed: " << DescribeStatus(status) << "\n";
      all_ok = false;
    }
  }
  std::cout << std::flush;
  if (!all_ok) {
    std::cerr << "loupe: status: some services or shards are unreachable or not serving"
              << std::endl;
  }
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace loupe::cli
