#include "services/query/facet_merge.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_util.h"

namespace loupe::query {
namespace {

constexpr absl::string_view kTagPrefix = "tag:";

loupe::v1::DateInterval ToDateInterval(loupe::v1::FacetInterval interval) {
  switch (interval) {
    case loupe::v1::FACET_INTERVAL_DAY:
      return loupe::v1::DATE_INTERVAL_DAY;
    case loupe::v1::FACET_INTERVAL_WEEK:
      return loupe::v1::DATE_INTERVAL_WEEK;
    case loupe::v1::FACET_INTERVAL_MONTH:
      return loupe::v1::DATE_INTERVAL_MONTH;
    default:
      return loupe::v1::DATE_INTERVAL_UNSPECIFIED;
  }
}

}  // namespace

absl::StatusOr<std::vector<loupe::v1::ShardFacetRequest>> ShardFacets(
    const google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest>& facets) {
  FieldViolations violations;
  std::vector<loupe::v1::ShardFacetRequest> out;
  if (facets.size() > kMaxFacetRequests) {
    violations.Add("facets",
                   absl::StrCat("has ", facets.size(), " entries; at most ", kMaxFacetRequests));
    return violations.ToStatus("invalid facets");
  }
  for (int i = 0; i < facets.size(); ++i) {
    const loupe::v1::FacetRequest& facet = facets.Get(i);
    const std::string path = absl::StrCat("facets[", i, "]");
    loupe::v1::ShardFacetRequest& shard = out.emplace_back();
    const std::string field = absl::AsciiStrToLower(absl::StripAsciiWhitespace(facet.field()));
    if (field == "source") {
      shard.set_kind(loupe::v1::FACET_KIND_SOURCE);
    } else if (field == "lang") {
      shard.set_kind(loupe::v1::FACET_KIND_LANG);
    } else if (absl::StartsWith(field, kTagPrefix)) {
      shard.set_kind(loupe::v1::FACET_KIND_TAG);
      shard.set_tag_key(std::string(absl::StripAsciiWhitespace(
          absl::string_view(field).substr(kTagPrefix.size()))));
      if (shard.tag_key().empty()) {
        violations.Add(absl::StrCat(path, ".field"), "\"tag:\" needs a key, e.g. \"tag:topic\"");
      }
    } else if (field == "date") {
      shard.set_kind(loupe::v1::FACET_KIND_DATE);
      shard.set_interval(ToDateInterval(facet.interval()));
      if (shard.interval() == loupe::v1::DATE_INTERVAL_UNSPECIFIED) {
        violations.Add(absl::StrCat(path, ".interval"),
                       "is required for \"date\": FACET_INTERVAL_DAY, _WEEK or _MONTH");
      }
    } else {
      violations.Add(absl::StrCat(path, ".field"),
                     absl::StrCat("is \"", facet.field(),
                                  "\"; must be \"source\", \"lang\", \"tag:<key>\" or \"date\""));
    }
    if (field != "date" && facet.interval() != loupe::v1::FACET_INTERVAL_UNSPECIFIED) {
      violations.Add(absl::StrCat(path, ".interval"), "is only for the \"date\" facet");
    }
    if (facet.size() > kMaxFacetSize) {
      violations.Add(absl::StrCat(path, ".size"),
                     absl::StrCat("is ", facet.size(), "; at most ", kMaxFacetSize));
    }
  }
  if (!violations.empty()) return violations.ToStatus("invalid facets");
  return out;
}

void MergeFacets(
    const google::protobuf::RepeatedPtrField<loupe::v1::FacetRequest>& requests,
    const std::vector<const google::protobuf::RepeatedPtrField<loupe::v1::ShardFacetResult>*>&
        shards,
    google::protobuf::RepeatedPtrField<loupe::v1::FacetResult>* out) {
  for (int f = 0; f < requests.size(); ++f) {
    const loupe::v1::FacetRequest& request = requests.Get(f);
    const bool is_date =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(request.field())) == "date";
    std::map<std::string, uint64_t> counts;  // Ordered by value: dates in order.
    loupe::v1::FacetResult* result = out->Add();
    result->set_field(request.field());
    uint64_t other = 0;
    for (const auto* shard : shards) {
      if (shard == nullptr || shard->size() != requests.size()) continue;
      const loupe::v1::ShardFacetResult& answer = shard->Get(f);
      for (const loupe::v1::FacetCount& count : answer.counts()) {
        counts[count.value()] += count.count();
      }
      other += answer.other_count();
      if (answer.truncated()) result->set_truncated(true);
    }
    std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
    if (!is_date) {
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      const size_t size = request.size() == 0 ? kDefaultFacetSize : request.size();
      if (sorted.size() > size) {
        for (size_t i = size; i < sorted.size(); ++i) other += sorted[i].second;
        sorted.resize(size);
      }
    }
    for (auto& [value, count] : sorted) {
      loupe::v1::FacetValue* entry = result->add_values();
      entry->set_value(std::move(value));
      entry->set_count(count);
    }
    result->set_other_count(other);
  }
}

}  // namespace loupe::query
