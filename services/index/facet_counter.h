// Facet counts of one shard: for every matching document of a search (the
// whole DocScores set, not just the returned hits), how many have each
// source, lang, value of one tag key, or published_at bucket (UTC day, ISO
// week starting Monday, or month; a bucket is named by its first day,
// "YYYY-MM-DD"). Documents without the field are not counted.
//
// Cost: a keyword facet scans the postings of every value of its field on
// the shard (O(documents with the field)); a date facet scans the
// `doc_dates` family once, or looks up each match when there are few.
//
// Exactness: a shard returns at most `max_values` values per facet, the most
// frequent (ties by value); the others are summed in other_count and
// `truncated` is set, so a merge over shards is exact unless a shard says
// it truncated.
//
//   FacetCounter counter(&postings, &dates, snapshot);
//   absl::StatusOr<v1::ShardFacetResult> sources = counter.Count(facet, matches, 10000);
#ifndef LOUPE_SERVICES_INDEX_FACET_COUNTER_H_
#define LOUPE_SERVICES_INDEX_FACET_COUNTER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "loupe/v1/index.pb.h"
#include "services/index/document_metadata.h"
#include "services/index/posting_store.h"
#include "services/index/query_evaluator.h"

namespace loupe {

// Most facets in one request.
inline constexpr int kMaxFacets = 16;
// Default and largest max_facet_values.
inline constexpr uint32_t kDefaultMaxFacetValues = 10000;
inline constexpr uint32_t kMaxMaxFacetValues = 100000;

// First day ("YYYY-MM-DD", UTC) of the bucket holding Unix time `seconds`.
// `interval` must be DAY, WEEK or MONTH.
std::string DateBucket(int64_t seconds, v1::DateInterval interval);

// INVALID_ARGUMENT naming "facets[i].…" for a malformed list.
absl::Status ValidateFacetRequests(
    const google::protobuf::RepeatedPtrField<v1::ShardFacetRequest>& facets);

class FacetCounter {
 public:
  // Not owned; all must outlive the counter.
  FacetCounter(const PostingStore* postings, const DateReader* dates,
               const rocksdb::Snapshot* snapshot)
      : postings_(postings), dates_(dates), snapshot_(snapshot) {}

  // Counts of `facet` (validated) over `matches`.
  absl::StatusOr<v1::ShardFacetResult> Count(const v1::ShardFacetRequest& facet,
                                             const DocScores& matches,
                                             uint32_t max_values) const;

 private:
  const PostingStore* postings_;
  const DateReader* dates_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_FACET_COUNTER_H_
