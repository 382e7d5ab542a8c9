// LikelyPageShare: how many of a page's hits one shard should fetch with its
// Search (ShardSearchRequest.fetch_top), so that most pages need no Fetch
// round trip. Documents are spread over the shards by a hash of their id,
// so a shard's share of the page's `page_hits` is binomial with p = 1 /
// `shards`; the mean plus 1.5 standard deviations covers it in 95 to 99
// pages out of 100 (10 hits on 2 shards: 8 each; a shard holds 9 or 10 of
// the page in 1.1 % of pages, which then Fetch the rest). A lower share
// would fetch less and need the Fetch round trip more often.
//
//   request.set_fetch_top(std::min(LikelyPageShare(page.limit, shard_count), shard_limit));
#ifndef LOUPE_SERVICES_QUERY_PAGE_SHARE_H_
#define LOUPE_SERVICES_QUERY_PAGE_SHARE_H_

#include <cstddef>
#include <cstdint>

namespace loupe::query {

// At most `page_hits`; all of them for one shard; 0 without shards.
uint32_t LikelyPageShare(uint32_t page_hits, size_t shards);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_PAGE_SHARE_H_
