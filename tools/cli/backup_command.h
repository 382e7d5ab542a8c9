// `loupe backup DIR`: a consistent backup of the whole cluster.
//
// Asks the query service for the shard addresses (QueryService.ClusterInfo,
// or --index_addresses), then calls AdminService.Checkpoint in this order:
// loupe-ingest -> DIR/ingest, each index shard i -> DIR/index-i, loupe-query
// -> DIR/query, and finally writes DIR/manifest.json (every checkpoint's
// response: role, shard, sequences, bytes, time). Ingest goes first so that
// every shard's checkpoint holds at least what ingest's checkpoint had
// already trimmed from its outbox; the command checks that (shard applied >=
// ingest applied) and fails otherwise. See README "Backups" for what the
// backup contains and how to restore it.
//
// DIR is a path on the servers' disks (each service writes its own folder
// there, inside its --backup_root); it must not exist yet. The command
// creates DIR on the machine it runs on and writes the manifest there, which
// on one host (tools/loupe-local, tests) is the same folder; on several
// hosts, DIR must exist on each of them first and the manifest stays here.
//
// Returns the process exit code (0 ok, 1 failure, 2 usage).
#ifndef LOUPE_TOOLS_CLI_BACKUP_COMMAND_H_
#define LOUPE_TOOLS_CLI_BACKUP_COMMAND_H_

#include <string>
#include <vector>

#include "loupe/v1/admin.pb.h"

namespace loupe::cli {

int RunBackup(const std::vector<std::string>& args);

// One checkpoint of the backup, as recorded in the manifest.
struct BackupComponent {
  std::string name;     // "ingest", "index-0", ..., "query"
  std::string address;  // host:port it was taken from
  loupe::v1::CheckpointResponse checkpoint;
};

// The manifest.json text (exposed for tests).
std::string BackupManifestJson(uint32_t shard_count, const std::vector<BackupComponent>& components);

// Empty when the checkpoints form a consistent backup; otherwise why not:
// identities (roles, shard ids, shard counts) and, per shard, index applied
// sequence >= ingest's applied sequence (components in backup order).
std::string CheckBackupConsistency(uint32_t shard_count,
                                   const std::vector<BackupComponent>& components);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_BACKUP_COMMAND_H_
