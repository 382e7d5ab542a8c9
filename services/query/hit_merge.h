// Merges the per-shard top-k lists of a scatter-gather search into one page
// (a pure function, so paging and tie-breaking are unit-tested).
//
// Order: score descending (or date descending / ascending, see HitOrder),
// then id ascending, then shard ascending — the same order the shards use,
// so the merged page is stable across calls and does not depend on which
// shard answered first. NaN scores sort last.
//
//   std::vector<ShardHits> lists = {{0, {{"a", 2.0}}, 7}, {1, {{"b", 3.0}}, 5}};
//   MergedPage page = MergeShardHits(lists, /*offset=*/0, /*limit=*/10);
//   // page.hits: b (shard 1), a (shard 0); page.total_hits: 12
#ifndef LOUPE_SERVICES_QUERY_HIT_MERGE_H_
#define LOUPE_SERVICES_QUERY_HIT_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "loupe/v1/index.pb.h"

namespace loupe::query {

struct RankedHit {
  std::string id;
  double score = 0;
  // The shard that returned (owns) the document.
  uint32_t shard = 0;
  // published_at seconds (INT64_MIN when none); used by the date orders.
  int64_t date = 0;
  // Duplicate cluster (only asked of the shards when folding); empty = none.
  std::string cluster;

  bool operator==(const RankedHit& other) const {
    return id == other.id && score == other.score && shard == other.shard;
  }
};

// One shard's answer to Search: its best hits (any order) and its count of
// matching documents.
struct ShardHits {
  uint32_t shard = 0;
  std::vector<RankedHit> hits;  // RankedHit::shard is ignored; `shard` wins.
  uint64_t total_hits = 0;
};

struct MergedPage {
  // At most `limit` hits, after skipping the `offset` best ones.
  std::vector<RankedHit> hits;
  // Sum of the shards' total_hits.
  uint64_t total_hits = 0;
};

MergedPage MergeShardHits(const std::vector<ShardHits>& shards, uint32_t offset, uint32_t limit,
                          loupe::v1::HitOrder order = loupe::v1::HIT_ORDER_SCORE);

// The merge order: true when `a` ranks before `b`.
bool RanksBefore(const RankedHit& a, const RankedHit& b,
                 loupe::v1::HitOrder order = loupe::v1::HIT_ORDER_SCORE);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_HIT_MERGE_H_
