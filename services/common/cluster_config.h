// Cluster settings shared by the services that talk to the index shards
// (loupe-ingest, loupe-query): the default ports of DESIGN.md and the
// --index_addresses list.
//
//   absl::StatusOr<std::vector<std::string>> addresses =
//       ParseIndexAddresses(absl::GetFlag(FLAGS_index_addresses), shard_count);
//   // "" with 2 shards -> {"127.0.0.1:50061", "127.0.0.1:50062"}
#ifndef LOUPE_SERVICES_COMMON_CLUSTER_CONFIG_H_
#define LOUPE_SERVICES_COMMON_CLUSTER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loupe {

inline constexpr uint32_t kDefaultIngestPort = 50051;
inline constexpr uint32_t kDefaultQueryPort = 50052;
// Index shard i listens on kFirstIndexPort + i on one host.
inline constexpr uint32_t kFirstIndexPort = 50061;

// Parses a comma-separated list of host:port, one per shard in shard order.
// Empty: shard i at 127.0.0.1:(50061+i). INVALID_ARGUMENT when an entry is
// empty or the count differs from shard_count.
absl::StatusOr<std::vector<std::string>> ParseIndexAddresses(absl::string_view list,
                                                             uint32_t shard_count);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_CLUSTER_CONFIG_H_
