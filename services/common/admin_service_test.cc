#include "services/common/admin_service.h"

#include <unistd.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AdminServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("loupe-admin-test-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    root_ = (base_ / "backups").string();
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  std::string root_;
};

TEST_F(AdminServiceTest, AcceptsANewFolderInsideTheRoot) {
  absl::StatusOr<std::string> dir = ValidateCheckpointTarget(root_, root_ + "/b1");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, fs::canonical(root_).string() + "/b1");
  fs::create_directory(root_ + "/b2");
  dir = ValidateCheckpointTarget(root_, root_ + "/b2/ingest/");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, fs::canonical(root_).string() + "/b2/ingest");
}

TEST_F(AdminServiceTest, RejectsBadPathsWithTheField) {
  for (const std::string& bad :
       {std::string(""), std::string("relative/b1"), root_ + "/../escape", root_ + "/./b1",
        std::string("/etc/loupe-b1"), root_, root_ + "-sibling/b1", std::string(5000, '/')}) {
    absl::Status status = ValidateCheckpointTarget(root_, bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr("target_dir")) << bad;
  }
}

TEST_F(AdminServiceTest, MissingParentIsAPreconditionAndExistingTargetAConflict) {
  absl::Status status = ValidateCheckpointTarget(root_, root_ + "/missing/b1").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("target_dir"));
  fs::create_directory(root_ + "/taken");
  status = ValidateCheckpointTarget(root_, root_ + "/taken").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_THAT(status.message(), HasSubstr("target_dir"));
}

TEST_F(AdminServiceTest, SymbolicLinkOutOfTheRootIsRefused) {
  fs::create_directories(base_ / "elsewhere");
  fs::create_directory_symlink(base_ / "elsewhere", root_ + "/link");
  absl::Status status = ValidateCheckpointTarget(root_, root_ + "/link/b1").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("symbolic link"));
  // A dangling link counts as existing: RocksDB would follow it.
  fs::create_symlink(base_ / "nowhere", root_ + "/dangling");
  EXPECT_EQ(ValidateCheckpointTarget(root_, root_ + "/dangling").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(AdminServiceTest, BackupsOffAndMissingRoot) {
  EXPECT_EQ(ValidateCheckpointTarget("", root_ + "/b1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateCheckpointTarget((base_ / "absent").string(),
                                     (base_ / "absent" / "b1").string())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AdminServiceTest, BackupRootFlag) {
  EXPECT_EQ(*ResolveBackupRoot("", "/var/lib/loupe/ingest"), "/var/lib/loupe/backups");
  EXPECT_EQ(*ResolveBackupRoot("", "/var/lib/loupe/ingest/"), "/var/lib/loupe/backups");
  EXPECT_EQ(*ResolveBackupRoot("/srv/b/", "/x"), "/srv/b");
  EXPECT_EQ(*ResolveBackupRoot("off", "/x"), "");
  EXPECT_EQ(ResolveBackupRoot("backups", "/x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminServiceTest, CheckpointOfALiveStoreOpensWithTheData) {
  const std::string data = (base_ / "db").string();
  auto store = RocksStore::Open(data, {"meta"}, RocksOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->db()->Put((*store)->durable_write(), (*store)->Family("meta"), "k", "v").ok());
  AdminServiceImpl admin(
      {loupe::v1::SERVICE_ROLE_INDEX, 1, 2, root_},
      [&](const std::string& dir, AdminServiceImpl::Sequences* sequences) {
        LOUPE_RETURN_IF_ERROR((*store)->Checkpoint(dir));
        loupe::v1::ShardSequences* entry = sequences->Add();
        entry->set_shard(1);
        entry->set_applied_sequence(7);
        entry->set_last_sequence(7);
        return absl::OkStatus();
      });
  loupe::v1::CheckpointRequest request;
  request.set_target_dir(root_ + "/c1");
  absl::StatusOr<loupe::v1::CheckpointResponse> response = admin.TakeCheckpoint(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->path(), fs::canonical(root_).string() + "/c1");
  EXPECT_GT(response->bytes(), 0u);
  EXPECT_EQ(response->role(), loupe::v1::SERVICE_ROLE_INDEX);
  EXPECT_EQ(response->shard_id(), 1u);
  EXPECT_EQ(response->shard_count(), 2u);
  ASSERT_EQ(response->sequences_size(), 1);
  EXPECT_EQ(response->sequences(0).applied_sequence(), 7u);
  EXPECT_GT(response->created_at().seconds(), 0);
  // Writes after the checkpoint are not in it.
  ASSERT_TRUE((*store)->db()->Put((*store)->durable_write(), (*store)->Family("meta"), "k", "w").ok());

  auto copy = RocksStore::Open(response->path(), {"meta"}, RocksOptions());
  ASSERT_TRUE(copy.ok()) << copy.status();
  auto value = (*copy)->Get("meta", "k");
  ASSERT_TRUE(value.ok() && value->has_value());
  EXPECT_EQ(**value, "v");

  // The same name again is a conflict; a failing writer leaves no folder.
  EXPECT_EQ(admin.TakeCheckpoint(request).status().code(), absl::StatusCode::kAlreadyExists);
  AdminServiceImpl failing({loupe::v1::SERVICE_ROLE_QUERY, 0, 2, root_},
                           [](const std::string& dir, AdminServiceImpl::Sequences*) {
                             fs::create_directory(dir);
                             return absl::InternalError("disk full");
                           });
  request.set_target_dir(root_ + "/c2");
  EXPECT_EQ(failing.TakeCheckpoint(request).status().code(), absl::StatusCode::kInternal);
  EXPECT_FALSE(fs::exists(root_ + "/c2"));
}

}  // namespace
}  // namespace loupe
