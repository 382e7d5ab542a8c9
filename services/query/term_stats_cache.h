// TermStatsCache: the TermStats answers loupe-query has seen, per shard, so
// that a search whose terms are all known skips the statistics round trip
// (phase 1 of shard_fanout.h) and still scores with exact statistics.
//
// Each shard's answers carry its statistics_version (index.proto). A cached
// answer is only a claim: phase 2 sends the version it was read at as
// ShardSearchRequest.expected_statistics_version, and a shard whose
// statistics have changed since answers stale_statistics instead of
// searching; the caller then forgets that shard and asks TermStats again.
// So a cached statistic is used only while it is still the shard's current
// one. Requests with prefixes are not served from the cache (their
// expansions change with the dictionary).
//
// Per shard, at most `max_terms_per_shard` document frequencies are kept
// (0 disables the cache); past it, the shard's entries are dropped and the
// cache fills again. A new version replaces the shard's entries. Thread-safe.
//
//   TermStatsCache cache(/*shard_count=*/2, /*max_terms_per_shard=*/100000);
//   std::optional<v1::TermStatsResponse> known = cache.Lookup(0, request);
//   if (!known) { /* call TermStats */ cache.Store(0, request, response); }
//   if (search_response.stale_statistics()) cache.Forget(0);
#ifndef LOUPE_SERVICES_QUERY_TERM_STATS_CACHE_H_
#define LOUPE_SERVICES_QUERY_TERM_STATS_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "loupe/v1/index.pb.h"

namespace loupe::query {

class TermStatsCache {
 public:
  TermStatsCache(size_t shard_count, size_t max_terms_per_shard);

  // The answer `shard` would give to `request`, built from what it answered
  // before at one statistics version; nullopt when a term is unknown, the
  // request has prefixes, or the cache is disabled.
  std::optional<loupe::v1::TermStatsResponse> Lookup(
      size_t shard, const loupe::v1::TermStatsRequest& request) const;

  // Remembers `response`, the answer of `shard` to `request`. An answer
  // without statistics_version (an older shard) is not kept.
  void Store(size_t shard, const loupe::v1::TermStatsRequest& request,
             const loupe::v1::TermStatsResponse& response);

  // Drops what `shard` answered (its statistics changed).
  void Forget(size_t shard);

 private:
  struct ShardEntries {
    mutable absl::Mutex mutex;
    std::string version ABSL_GUARDED_BY(mutex);
    loupe::v1::CollectionStats collection ABSL_GUARDED_BY(mutex);
    // Field byte + term -> document frequency.
    absl::flat_hash_map<std::string, uint64_t> document_frequencies ABSL_GUARDED_BY(mutex);
  };

  size_t max_terms_per_shard_;
  std::vector<std::unique_ptr<ShardEntries>> shards_;
};

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_TERM_STATS_CACHE_H_
