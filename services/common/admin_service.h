// loupe.v1.AdminService, served by loupe-ingest, loupe-index and loupe-query:
// consistent checkpoints of the service's live RocksDB, written on the
// server's disk inside --backup_root.
//
// Contract:
//  - The target folder is checked by ValidateCheckpointTarget before anything
//    is written: absolute, no "." / ".." components, strictly inside the
//    backup root (also after resolving symbolic links in its parent), parent
//    present, target absent. A client can therefore only create new folders
//    under the backup root, never write elsewhere on the server's disk.
//  - --backup_root defaults to <parent of --data_dir>/backups; "off" turns
//    the RPC off (FAILED_PRECONDITION).
//  - One checkpoint at a time per process (a second concurrent call gets
//    ABORTED). The role-specific CheckpointWriter writes the checkpoint and
//    reports the operation sequences it holds (see admin.proto).
//  - Errors name the field "target_dir": INVALID_ARGUMENT carries a
//    google.rpc.BadRequest; FAILED_PRECONDITION and ALREADY_EXISTS carry a
//    google.rpc.ErrorInfo (reason BACKUPS_OFF, PARENT_MISSING,
//    BACKUP_ROOT_MISSING, TARGET_EXISTS; metadata field=target_dir).
//
//   absl::StatusOr<std::string> root = BackupRootFromFlags(data_dir);
//   AdminServiceImpl admin(
//       {.role = v1::SERVICE_ROLE_QUERY, .shard_count = 2, .backup_root = *root},
//       [&store](const std::string& dir, AdminServiceImpl::Sequences*) {
//         return store->Checkpoint(dir);
//       });
//   loupe::ServeUntilSignal(options, {&service, &admin}, nullptr);
#ifndef LOUPE_SERVICES_COMMON_ADMIN_SERVICE_H_
#define LOUPE_SERVICES_COMMON_ADMIN_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "loupe/v1/admin.grpc.pb.h"

namespace loupe {

// Longest accepted CheckpointRequest.target_dir, bytes.
inline constexpr size_t kMaxTargetDirBytes = 4096;

// The backup root of a service whose database is in `data_dir`, from
// --backup_root: "" (default) -> <parent of data_dir>/backups; "off" -> ""
// (backups disabled); otherwise the flag, which must be an absolute path
// (INVALID_ARGUMENT if not). The result is lexically normalised, without a
// trailing slash.
absl::StatusOr<std::string> BackupRootFromFlags(absl::string_view data_dir);
// The same with the flag's value given (for tests and tools).
absl::StatusOr<std::string> ResolveBackupRoot(absl::string_view flag_value,
                                              absl::string_view data_dir);

// Checks `target_dir` against `backup_root` (see the contract above) and
// returns the folder to create: the real path of its parent plus its last
// component. An empty `backup_root` means backups are off.
absl::StatusOr<std::string> ValidateCheckpointTarget(absl::string_view backup_root,
                                                     absl::string_view target_dir);

// Total size of the regular files under `dir`, bytes.
uint64_t FolderBytes(const std::string& dir);

class AdminServiceImpl final : public loupe::v1::AdminService::Service {
 public:
  struct Identity {
    loupe::v1::ServiceRole role = loupe::v1::SERVICE_ROLE_UNSPECIFIED;
    // loupe-index only.
    uint32_t shard_id = 0;
    uint32_t shard_count = 0;
    // Where checkpoints may be written; empty: backups off.
    std::string backup_root;
  };
  using Sequences = google::protobuf::RepeatedPtrField<loupe::v1::ShardSequences>;
  // Writes a checkpoint into `dir` (absent, parent present) and appends the
  // sequences it holds to `sequences` (nothing for loupe-query).
  using CheckpointWriter = std::function<absl::Status(const std::string& dir, Sequences* sequences)>;

  AdminServiceImpl(Identity identity, CheckpointWriter writer);

  // The RPC without gRPC types (tests call it in-process).
  absl::StatusOr<loupe::v1::CheckpointResponse> TakeCheckpoint(
      const loupe::v1::CheckpointRequest& request);

  grpc::Status Checkpoint(grpc::ServerContext* context, const loupe::v1::CheckpointRequest* request,
                          loupe::v1::CheckpointResponse* response) override;

 private:
  const Identity identity_;
  const CheckpointWriter writer_;
  absl::Mutex checkpoint_mu_;  // Held while a checkpoint is written.
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ADMIN_SERVICE_H_
