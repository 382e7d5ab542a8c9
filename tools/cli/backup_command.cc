#include "tools/cli/backup_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "loupe/v1/admin.grpc.pb.h"
#include "loupe/v1/query.grpc.pb.h"
#include "tools/cli/cli_flags.h"
#include "tools/cli/connection.h"
#include "tools/cli/rpc_errors.h"

ABSL_FLAG(std::string, index_addresses, "",
          "backup: comma-separated host:port of index shards 0..N-1 as reachable from here "
          "(default: the addresses the query service reports)");

namespace loupe::cli {
namespace {

namespace fs = std::filesystem;

// Checkpoints copy or link the whole database: give them time.
constexpr int64_t kDefaultCheckpointTimeoutMs = 120000;

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

std::string MessageJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

const loupe::v1::ShardSequences* SequencesOf(const loupe::v1::CheckpointResponse& checkpoint,
                                             uint32_t shard) {
  for (const auto& entry : checkpoint.sequences()) {
    if (entry.shard() == shard) return &entry;
  }
  return nullptr;
}

int Fail(absl::string_view message) {
  std::cerr << "loupe: backup: " << message << std::endl;
  return kExitFailure;
}

}  // namespace

std::string BackupManifestJson(uint32_t shard_count,
                               const std::vector<BackupComponent>& components) {
  std::string out = "{\n  \"format\": \"loupe-backup-1\",\n";
  absl::StrAppend(&out, "  \"shard_count\": ", shard_count, ",\n");
  absl::StrAppend(&out,
                  "  \"order\": \"ingest first, then the index shards, then query; restore each "
                  "folder as that service's --data_dir (README: Backups)\",\n");
  absl::StrAppend(&out, "  \"components\": [\n");
  for (size_t i = 0; i < components.size(); ++i) {
    const BackupComponent& component = components[i];
    absl::StrAppend(&out, "    {\"name\": ", JsonString(component.name),
                    ", \"address\": ", JsonString(component.address),
                    ", \"checkpoint\": ", MessageJson(component.checkpoint), "}",
                    i + 1 < components.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&out, "  ]\n}\n");
  return out;
}

std::string CheckBackupConsistency(uint32_t shard_count,
                                   const std::vector<BackupComponent>& components) {
  if (components.size() != shard_count + 2) {
    return absl::StrCat(components.size(), " checkpoints for ", shard_count, " shards");
  }
  const loupe::v1::CheckpointResponse& ingest = components.front().checkpoint;
  if (ingest.role() != loupe::v1::SERVICE_ROLE_INGEST) return "the first checkpoint is not ingest's";
  if (components.back().checkpoint.role() != loupe::v1::SERVICE_ROLE_QUERY) {
    return "the last checkpoint is not the query service's";
  }
  for (const BackupComponent& component : components) {
    if (component.checkpoint.shard_count() != shard_count) {
      return absl::StrCat(component.name, " at ", component.address, " belongs to a cluster of ",
                          component.checkpoint.shard_count(), " shards, not ", shard_count);
    }
  }
  for (uint32_t shard = 0; shard < shard_count; ++shard) {
    const BackupComponent& component = components[1 + shard];
    const loupe::v1::CheckpointResponse& index = component.checkpoint;
    if (index.role() != loupe::v1::SERVICE_ROLE_INDEX || index.shard_id() != shard) {
      return absl::StrCat(component.address, " is not index shard ", shard);
    }
    const loupe::v1::ShardSequences* ingest_sequences = SequencesOf(ingest, shard);
    const loupe::v1::ShardSequences* index_sequences = SequencesOf(index, shard);
    if (ingest_sequences == nullptr || index_sequences == nullptr) {
      return absl::StrCat("no sequences for shard ", shard);
    }
    // Ingest had trimmed its outbox up to its applied sequence: the shard's
    // checkpoint must hold everything up to there, or those operations exist
    // nowhere in the backup.
    if (index_sequences->applied_sequence() < ingest_sequences->applied_sequence()) {
      return absl::StrCat("index shard ", shard, "'s checkpoint holds operations up to ",
                          index_sequences->applied_sequence(), " but ingest had already trimmed "
                          "its outbox up to ", ingest_sequences->applied_sequence(),
                          " (the shard lost data?)");
    }
  }
  return "";
}

int RunBackup(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "loupe: backup: takes one argument, the new backup folder\n"
                 "Run 'loupe --help' for usage." << std::endl;
    return kExitUsage;
  }
  std::error_code error;
  const fs::path dir = fs::absolute(fs::path(args[0]), error).lexically_normal();
  if (error) return Fail(absl::StrCat(args[0], ": ", error.message()));
  if (fs::exists(fs::symlink_status(dir, error))) {
    return Fail(absl::StrCat(dir.string(), " already exists; a backup goes into a new folder"));
  }
  const int64_t timeout_ms = TimeoutMs(kDefaultCheckpointTimeoutMs);

  // The shards, from the query service unless given.
  const std::string query_address = absl::GetFlag(FLAGS_query);
  auto query_channel = MakeChannel(query_address);
  loupe::v1::ClusterInfoResponse cluster;
  {
    auto stub = loupe::v1::QueryService::NewStub(query_channel);
    auto context = ContextWithTimeout(TimeoutMs(kDefaultTimeoutMs));
    const grpc::Status status =
        stub->ClusterInfo(context.get(), loupe::v1::ClusterInfoRequest(), &cluster);
    if (!status.ok()) {
      PrintRpcError(absl::StrCat("backup: ClusterInfo at ", query_address), status);
      return kExitFailure;
    }
  }
  const uint32_t shard_count = cluster.shard_count();
  std::vector<std::string> shard_addresses;
  const std::string given = absl::GetFlag(FLAGS_index_addresses);
  if (!given.empty()) {
    shard_addresses = absl::StrSplit(given, ',', absl::SkipEmpty());
  } else {
    for (const auto& shard : cluster.shards()) shard_addresses.push_back(shard.address());
  }
  if (shard_addresses.size() != shard_count) {
    return Fail(absl::StrCat("the cluster has ", shard_count, " shards but ",
                             shard_addresses.size(), " shard addresses are known"));
  }

  fs::create_directories(dir, error);
  if (error) return Fail(absl::StrCat("cannot create ", dir.string(), ": ", error.message()));

  std::vector<BackupComponent> components;
  components.push_back({"ingest", absl::GetFlag(FLAGS_ingest), {}});
  for (uint32_t shard = 0; shard < shard_count; ++shard) {
    components.push_back({absl::StrCat("index-", shard), shard_addresses[shard], {}});
  }
  components.push_back({"query", query_address, {}});

  for (BackupComponent& component : components) {
    auto stub = loupe::v1::AdminService::NewStub(
        component.address == query_address ? query_channel : MakeChannel(component.address));
    loupe::v1::CheckpointRequest request;
    request.set_target_dir((dir / component.name).string());
    auto context = ContextWithTimeout(timeout_ms);
    const grpc::Status status = stub->Checkpoint(context.get(), request, &component.checkpoint);
    if (!status.ok()) {
      PrintRpcError(absl::StrCat("backup: checkpoint of ", component.name, " at ",
                                 component.address),
                    status);
      std::cerr << "loupe: backup: " << dir.string()
                << " is incomplete (no manifest.json); delete it" << std::endl;
      return kExitFailure;
    }
    std::cout << absl::StrFormat("%-9s %-21s -> %s  %.1f MiB in %d ms\n", component.name,
                                 component.address, component.checkpoint.path(),
                                 component.checkpoint.bytes() / 1048576.0,
                                 component.checkpoint.duration_ms())
              << std::flush;
  }
  const std::string problem = CheckBackupConsistency(shard_count, components);
  if (!problem.empty()) {
    return Fail(absl::StrCat("the checkpoints in ", dir.string(),
                             " do not form a consistent backup: ", problem));
  }
  const fs::path manifest = dir / "manifest.json";
  {
    std::ofstream out(manifest);
    out << BackupManifestJson(shard_count, components);
    if (!out.good()) return Fail(absl::StrCat("cannot write ", manifest.string()));
  }
  std::cout << "backup complete: " << manifest.string() << std::endl;
  return kExitOk;
}

}  // namespace loupe::cli
