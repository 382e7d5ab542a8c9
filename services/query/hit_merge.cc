#include "services/query/hit_merge.h"

#include <algorithm>
#include <cmath>

namespace loupe::query {

bool RanksBefore(const RankedHit& a, const RankedHit& b, loupe::v1::HitOrder order) {
  if (order != loupe::v1::HIT_ORDER_SCORE) {
    if (a.date != b.date) {
      return order == loupe::v1::HIT_ORDER_DATE_DESC ? a.date > b.date : a.date < b.date;
    }
    if (a.id != b.id) return a.id < b.id;
    return a.shard < b.shard;
  }
  const bool a_nan = std::isnan(a.score);
  const bool b_nan = std::isnan(b.score);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && a.score != b.score) return a.score > b.score;
  if (a.id != b.id) return a.id < b.id;
  return a.shard < b.shard;
}

MergedPage MergeShardHits(const std::vector<ShardHits>& shards, uint32_t offset, uint32_t limit,
                          loupe::v1::HitOrder order) {
  MergedPage page;
  std::vector<RankedHit> all;
  for (const ShardHits& shard : shards) {
    page.total_hits += shard.total_hits;
    for (const RankedHit& hit : shard.hits) {
      all.push_back(hit);
      all.back().shard = shard.shard;
    }
  }
  const size_t begin = std::min<size_t>(offset, all.size());
  const size_t end = std::min<size_t>(static_cast<size_t>(offset) + limit, all.size());
  // Only the first `end` hits need to be in order.
  std::partial_sort(all.begin(), all.begin() + end, all.end(),
                    [order](const RankedHit& a, const RankedHit& b) {
                      return RanksBefore(a, b, order);
                    });
  page.hits.assign(std::make_move_iterator(all.begin() + begin),
                   std::make_move_iterator(all.begin() + end));
  return page;
}

}  // namespace loupe::query
