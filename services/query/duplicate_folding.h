// Near-duplicate folding of a merged hit list: one hit per duplicate
// cluster, the best-ranked copy, with the number of other copies found.
//
// Copies of one cluster may sit on different shards (a document's shard is
// the hash of its own id; the cluster id is the id of the first document),
// so loupe-query folds AFTER merging the shards' lists, and asks each shard
// for kFoldOverfetch times the hits it needs (more rounds when folding
// leaves the page short and a shard may hold more). `folded_count` counts
// the copies among those candidates: a copy ranked below every candidate
// is not counted.
//
//   std::vector<FoldedHit> kept = FoldDuplicates(merged_in_rank_order);
//   // kept[0].hit: best copy of its cluster; kept[0].folded_count: the others
#ifndef LOUPE_SERVICES_QUERY_DUPLICATE_FOLDING_H_
#define LOUPE_SERVICES_QUERY_DUPLICATE_FOLDING_H_

#include <cstdint>
#include <vector>

#include "services/query/hit_merge.h"

namespace loupe::query {

// Hits asked of each shard per hit needed, when folding.
inline constexpr uint32_t kFoldOverfetch = 4;

struct FoldedHit {
  RankedHit hit;
  uint32_t folded_count = 0;
};

// `hits` in rank order; RankedHit::cluster empty = its own cluster. Keeps
// the rank order of the kept hits.
std::vector<FoldedHit> FoldDuplicates(const std::vector<RankedHit>& hits);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_DUPLICATE_FOLDING_H_
