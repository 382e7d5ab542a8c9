#include "tools/cli/backup_command.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe::cli {
namespace {

using ::testing::HasSubstr;

BackupComponent Component(std::string name, loupe::v1::ServiceRole role, uint32_t shard_id,
                          std::vector<std::pair<uint64_t, uint64_t>> last_applied) {
  BackupComponent component{std::move(name), "127.0.0.1:1", {}};
  component.checkpoint.set_role(role);
  component.checkpoint.set_shard_id(shard_id);
  component.checkpoint.set_shard_count(2);
  for (size_t i = 0; i < last_applied.size(); ++i) {
    auto* entry = component.checkpoint.add_sequences();
    entry->set_shard(role == loupe::v1::SERVICE_ROLE_INDEX ? shard_id : i);
    entry->set_last_sequence(last_applied[i].first);
    entry->set_applied_sequence(last_applied[i].second);
  }
  return component;
}

std::vector<BackupComponent> Backup(uint64_t index0_applied) {
  return {Component("ingest", loupe::v1::SERVICE_ROLE_INGEST, 0, {{10, 8}, {5, 5}}),
          Component("index-0", loupe::v1::SERVICE_ROLE_INDEX, 0,
                    {{index0_applied, index0_applied}}),
          Component("index-1", loupe::v1::SERVICE_ROLE_INDEX, 1, {{7, 7}}),
          Component("query", loupe::v1::SERVICE_ROLE_QUERY, 0, {})};
}

TEST(BackupCommandTest, ShardsAtOrAboveIngestsTrimPointAreConsistent) {
  EXPECT_EQ(CheckBackupConsistency(2, Backup(8)), "");
  EXPECT_EQ(CheckBackupConsistency(2, Backup(12)), "");  // Ahead: allowed, reconciled at start.
}

TEST(BackupCommandTest, ShardBelowIngestsTrimPointIsRefused) {
  EXPECT_THAT(CheckBackupConsistency(2, Backup(7)), HasSubstr("index shard 0"));
}

TEST(BackupCommandTest, WrongIdentitiesAreRefused) {
  auto backup = Backup(8);
  std::swap(backup[1], backup[2]);
  EXPECT_THAT(CheckBackupConsistency(2, backup), HasSubstr("is not index shard 0"));
  backup = Backup(8);
  backup[3].checkpoint.set_shard_count(3);
  EXPECT_THAT(CheckBackupConsistency(2, backup), HasSubstr("cluster of 3 shards"));
  EXPECT_THAT(CheckBackupConsistency(3, Backup(8)), HasSubstr("4 checkpoints for 3 shards"));
}

TEST(BackupCommandTest, ManifestIsJsonWithEveryComponent) {
  const std::string json = BackupManifestJson(2, Backup(8));
  EXPECT_THAT(json, HasSubstr("\"shard_count\": 2"));
  EXPECT_THAT(json, HasSubstr("{\"name\": \"index-1\", \"address\": \"127.0.0.1:1\""));
  EXPECT_THAT(json, HasSubstr("\"role\":\"SERVICE_ROLE_QUERY\""));
}

}  // namespace
}  // namespace loupe::cli
