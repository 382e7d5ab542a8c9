// Facets of a SearchRequest: translation of the public FacetRequests into
// the shards' ShardFacetRequests (with validation), and the exact merge of
// the shards' counts into the public FacetResults.
//
// Exactness: every shard counts its WHOLE matching set and returns every
// value it saw (up to --max_facet_values_per_shard; beyond, it sums the rest
// in other_count and sets truncated), so the sum over shards is exact
// unless `truncated` says otherwise. The merge keeps the `size` values with
// the highest counts (ties by value; dates: every bucket, in date order)
// and sums the rest into other_count.
//
//   absl::StatusOr<std::vector<v1::ShardFacetRequest>> specs = ShardFacets(request.facets());
//   std::vector<const google::protobuf::RepeatedPtrField<v1::ShardFacetResult>*> answers = ...;
//   MergeFacets(request.facets(), answers, response.mutable_facets());
#ifndef LOUPE_SERVICES_QUERY_FACET_MERGE_H_
#define LOUPE_SERVICES_QUERY_FACET_MERGE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "loupe/v1/index.pb.h"
#include "loupe/v1/query.pb.h"

namespace loupe::query {

inline constexpr int kMaxFacetRequests = 16;
inline constexpr uint32_t kDefaultFacetSize = 10;
inline constexpr uint32_t kMaxFacetSize = 1000;

// One ShardFacetRequest per FacetRequest, in order; INVALID_ARGUMENT naming
// "facets[i].field" / ".size" / ".interval" for a malformed one.
absl::StatusOr<std::vector<loupe::v1::ShardFacetRequest>> ShardFacets(
    const google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest>& facets);

// Sums the shards' answers (each one ShardFacetResult per request, in
// order; a shard with another count is skipped) into `out`, one
// FacetResult per request.
void MergeFacets(
    const google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest>& requests,
    const std::vector<const google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult>*>&
        shards,
    google::protobuf::RepeatedPtrField<loupe::v1::FacetResult>* out);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_FACET_MERGE_H_
