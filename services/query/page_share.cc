#include "services/query/page_share.h"

#include <algorithm>
#include <cmath>

namespace loupe::query {

uint32_t LikelyPageShare(uint32_t page_hits, size_t shards) {
  if (shards == 0) return 0;
  if (shards == 1) return page_hits;
  const double n = page_hits;
  const double p = 1.0 / static_cast<double>(shards);
  const double share = std::ceil(n * p + 1.5 * std::sqrt(n * p * (1.0 - p)));
  return static_cast<uint32_t>(std::min(n, share));
}

}  // namespace loupe::query
