#include "services/common/admin_service.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/log.h"
#include "services/common/status_util.h"

ABSL_FLAG(std::string, backup_root, "",
          "Folder under which AdminService.Checkpoint may create checkpoints (absolute path); "
          "empty: <parent of --data_dir>/backups; 'off': the RPC is refused");

namespace loupe {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kField = "target_dir";

// FAILED_PRECONDITION / ALREADY_EXISTS naming the field, with an ErrorInfo.
absl::Status FieldError(absl::StatusCode code, absl::string_view reason, absl::string_view why) {
  absl::Status status(code, absl::StrCat(kField, ": ", why));
  AttachErrorInfo(status, std::string(reason), {{"field", std::string(kField)}});
  return status;
}

// True when `path` equals `root` or lies below it (both lexically normal,
// absolute, without trailing slash).
bool IsWithin(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

// Lexically normal, without a trailing separator ("/a/b/" -> "/a/b").
fs::path Normal(const fs::path& path) {
  fs::path normal = path.lexically_normal();
  if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path()) {
    normal = normal.parent_path();
  }
  return normal;
}

google::protobuf::Timestamp NowTimestamp() {
  const int64_t nanos = absl::ToUnixNanos(absl::Now());
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(nanos / 1000000000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return timestamp;
}

}  // namespace

absl::StatusOr<std::string> ResolveBackupRoot(absl::string_view flag_value,
                                              absl::string_view data_dir) {
  if (flag_value == "off") return std::string();
  if (!flag_value.empty()) {
    const fs::path root{std::string(flag_value)};
    if (!root.is_absolute()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--backup_root must be an absolute path or 'off', not '", flag_value, "'"));
    }
    return Normal(root).string();
  }
  std::error_code error;
  const fs::path data = fs::absolute(fs::path(std::string(data_dir)), error);
  if (error || data_dir.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot derive --backup_root from --data_dir '", data_dir, "'"));
  }
  return (Normal(data).parent_path() / "backups").string();
}

absl::StatusOr<std::string> BackupRootFromFlags(absl::string_view data_dir) {
  return ResolveBackupRoot(absl::GetFlag(FLAGS_backup_root), data_dir);
}

absl::StatusOr<std::string> ValidateCheckpointTarget(absl::string_view backup_root,
                                                     absl::string_view target_dir) {
  if (backup_root.empty()) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "BACKUPS_OFF",
                      "backups are turned off on this server (--backup_root=off)");
  }
  if (target_dir.empty()) return InvalidField(std::string(kField), "is required");
  if (target_dir.size() > kMaxTargetDirBytes) {
    return InvalidField(std::string(kField),
                        absl::StrCat("is ", target_dir.size(), " bytes; at most ",
                                     kMaxTargetDirBytes));
  }
  if (target_dir.find('\0') != absl::string_view::npos) {
    return InvalidField(std::string(kField), "contains a NUL byte");
  }
  if (target_dir.front() != '/') {
    return InvalidField(std::string(kField),
                        absl::StrCat("must be an absolute path inside ", backup_root));
  }
  for (absl::string_view part : absl::StrSplit(target_dir, '/', absl::SkipEmpty())) {
    if (part == "." || part == "..") {
      return InvalidField(std::string(kField), "must not contain '.' or '..' components");
    }
  }
  const fs::path root{std::string(backup_root)};
  const fs::path target = Normal(fs::path(std::string(target_dir)));
  if (!IsWithin(target, root) || target == root) {
    return InvalidField(std::string(kField),
                        absl::StrCat("must be a new folder inside the backup root ", backup_root,
                                     " (--backup_root)"));
  }
  std::error_code error;
  const fs::path real_root = fs::canonical(root, error);
  if (error) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "BACKUP_ROOT_MISSING",
                      absl::StrCat("the backup root ", backup_root,
                                   " does not exist on the server: ", error.message()));
  }
  const fs::path parent = target.parent_path();
  if (!fs::is_directory(parent, error)) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "PARENT_MISSING",
                      absl::StrCat("the parent folder ", parent.string(),
                                   " does not exist on the server; create it first"));
  }
  const fs::path real_parent = fs::canonical(parent, error);
  if (error || !IsWithin(real_parent, real_root)) {
    return InvalidField(std::string(kField),
                        absl::StrCat("resolves outside the backup root ", backup_root,
                                     " through a symbolic link"));
  }
  const fs::path resolved = real_parent / target.filename();
  if (fs::exists(fs::symlink_status(resolved, error))) {
    return FieldError(absl::StatusCode::kAlreadyExists, "TARGET_EXISTS",
                      absl::StrCat(resolved.string(), " already exists; a checkpoint goes into "
                                                      "a new folder"));
  }
  return resolved.string();
}

uint64_t FolderBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) total += it->file_size(error);
  }
  return total;
}

AdminServiceImpl::AdminServiceImpl(Identity identity, CheckpointWriter writer)
    : identity_(std::move(identity)), writer_(std::move(writer)) {}

absl::StatusOr<loupe::v1::CheckpointResponse> AdminServiceImpl::TakeCheckpoint(
    const loupe::v1::CheckpointRequest& request) {
  absl::StatusOr<std::string> dir =
      ValidateCheckpointTarget(identity_.backup_root, request.target_dir());
  if (!dir.ok()) return dir.status();
  if (!checkpoint_mu_.TryLock()) {
    return absl::AbortedError("another checkpoint of this service is being written; retry later");
  }
  absl::Cleanup unlock = [this] { checkpoint_mu_.Unlock(); };

  loupe::v1::CheckpointResponse response;
  *response.mutable_created_at() = NowTimestamp();
  const absl::Time start = absl::Now();
  absl::Status written = writer_(*dir, response.mutable_sequences());
  if (!written.ok()) {
    // A half-written checkpoint is useless and would block the name.
    std::error_code error;
    fs::remove_all(*dir, error);
    LogError(absl::StrCat("checkpoint to ", *dir, " failed: ", written.ToString()));
    return written;
  }
  response.set_duration_ms(
      static_cast<uint64_t>(absl::ToInt64Milliseconds(absl::Now() - start)));
  response.set_path(*dir);
  response.set_bytes(FolderBytes(*dir));
  response.set_role(identity_.role);
  response.set_shard_id(identity_.shard_id);
  response.set_shard_count(identity_.shard_count);
  LogInfo(absl::StrCat("checkpoint written to ", *dir, ": ", response.bytes(), " bytes in ",
                       response.duration_ms(), " ms"));
  return response;
}

grpc::Status AdminServiceImpl::Checkpoint(grpc::ServerContext* /*context*/,
                                          const loupe::v1::CheckpointRequest* request,
                                          loupe::v1::CheckpointResponse* response) {
  absl::StatusOr<loupe::v1::CheckpointResponse> result = TakeCheckpoint(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace loupe
