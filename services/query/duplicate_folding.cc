#include "services/query/duplicate_folding.h"

#include <string>

#include "absl/container/flat_hash_map.h"

namespace loupe::query {

std::vector<FoldedHit> FoldDuplicates(const std::vector<RankedHit>& hits) {
  std::vector<FoldedHit> kept;
  // Cluster -> index in `kept` of its best copy.
  absl::flat_hash_map<std::string, size_t> best;
  for (const RankedHit& hit : hits) {
    const std::string& cluster = hit.cluster.empty() ? hit.id : hit.cluster;
    auto [it, inserted] = best.try_emplace(cluster, kept.size());
    if (inserted) {
      kept.push_back(FoldedHit{hit, 0});
    } else {
      ++kept[it->second].folded_count;
    }
  }
  return kept;
}

}  // namespace loupe::query
