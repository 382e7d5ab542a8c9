#include "services/common/cluster_config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace loupe {

absl::StatusOr<std::vector<std::string>> ParseIndexAddresses(absl::string_view list,
                                                             uint32_t shard_count) {
  std::vector<std::string> addresses;
  if (list.empty()) {
    for (uint32_t shard = 0; shard < shard_count; ++shard) {
      addresses.push_back(absl::StrCat("127.0.0.1:", kFirstIndexPort + shard));
    }
    return addresses;
  }
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--index_addresses: empty entry in '", list, "'"));
    }
    addresses.emplace_back(part);
  }
  if (addresses.size() != shard_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("--index_addresses lists ", addresses.size(), " addresses but --shard_count=",
                     shard_count, "; give one per shard, in shard order"));
  }
  return addresses;
}

}  // namespace loupe
