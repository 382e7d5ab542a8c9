#include "services/index/facet_counter.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/keyword_terms.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

// Below this many matches a date facet looks each one up instead of
// scanning every date of the shard.
constexpr size_t kDateLookupLimit = 2048;

// Sorts `counts` (value -> count) into the result: the `max_values` most
// frequent (ties by value), the rest summed into other_count.
v1::ShardFacetResult ToResult(absl::flat_hash_map<std::string, uint64_t> counts,
                              uint32_t max_values, bool by_value) {
  std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  v1::ShardFacetResult result;
  if (sorted.size() > max_values) {
    uint64_t other = 0;
    for (size_t i = max_values; i < sorted.size(); ++i) other += sorted[i].second;
    sorted.resize(max_values);
    result.set_other_count(other);
    result.set_truncated(true);
  }
  if (by_value) std::sort(sorted.begin(), sorted.end());
  for (auto& [value, count] : sorted) {
    v1::FacetCount* out = result.add_counts();
    out->set_value(std::move(value));
    out->set_count(count);
  }
  return result;
}

}  // namespace

std::string DateBucket(int64_t seconds, v1::DateInterval interval) {
  const absl::CivilDay day =
      absl::ToCivilDay(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  switch (interval) {
    case v1::DATE_INTERVAL_WEEK:
      // absl::Weekday counts from Monday = 0.
      return absl::FormatCivilTime(day - static_cast<int>(absl::GetWeekday(day)));
    case v1::DATE_INTERVAL_MONTH:
      return absl::FormatCivilTime(absl::CivilDay(absl::CivilMonth(day)));
    default:
      return absl::FormatCivilTime(day);
  }
}

absl::Status ValidateFacetRequests(
    const google::protobuf::RepeatedPtrField<v1::ShardFacetRequest>& facets) {
  FieldViolations violations;
  if (facets.size() > kMaxFacets) {
    violations.Add("facets", absl::StrCat("has ", facets.size(), " entries; at most ", kMaxFacets));
    return violations.ToStatus("invalid facets");
  }
  for (int i = 0; i < facets.size(); ++i) {
    const v1::ShardFacetRequest& facet = facets.Get(i);
    const std::string path = absl::StrCat("facets[", i, "]");
    if (!v1::FacetKind_IsValid(facet.kind()) || facet.kind() == v1::FACET_KIND_UNSPECIFIED) {
      violations.Add(absl::StrCat(path, ".kind"), "must be SOURCE, LANG, TAG or DATE");
    }
    if (facet.kind() == v1::FACET_KIND_TAG && KeywordTerm(facet.tag_key()).empty()) {
      violations.Add(absl::StrCat(path, ".tag_key"), "must be non-empty for a tag facet");
    }
    if (facet.kind() == v1::FACET_KIND_DATE &&
        (!v1::DateInterval_IsValid(facet.interval()) ||
         facet.interval() == v1::DATE_INTERVAL_UNSPECIFIED)) {
      violations.Add(absl::StrCat(path, ".interval"), "must be DAY, WEEK or MONTH");
    }
  }
  if (!violations.empty()) return violations.ToStatus("invalid facets");
  return absl::OkStatus();
}

absl::StatusOr<v1::ShardFacetResult> FacetCounter::Count(const v1::ShardFacetRequest& facet,
                                                         const DocScores& matches,
                                                         uint32_t max_values) const {
  absl::flat_hash_map<std::string, uint64_t> counts;
  if (matches.empty()) return ToResult(std::move(counts), max_values, false);

  if (facet.kind() == v1::FACET_KIND_DATE) {
    auto add = [&](int64_t seconds) { ++counts[DateBucket(seconds, facet.interval())]; };
    if (matches.size() <= kDateLookupLimit) {
      for (const auto& [docid, score] : matches) {
        absl::StatusOr<int64_t> seconds = dates_->Seconds(docid);
        if (!seconds.ok()) return seconds.status();
        if (*seconds != kNoDate) add(*seconds);
      }
    } else {
      LOUPE_RETURN_IF_ERROR(dates_->ForEachDated([&](uint32_t docid, int64_t seconds) {
        if (matches.contains(docid)) add(seconds);
      }));
    }
    return ToResult(std::move(counts), max_values, /*by_value=*/true);
  }

  // Keyword facets: every value of the field is a term; count its postings
  // that are in the matching set.
  v1::Field field = v1::FIELD_SOURCE;
  std::string prefix;
  if (facet.kind() == v1::FACET_KIND_LANG) field = v1::FIELD_LANG;
  if (facet.kind() == v1::FACET_KIND_TAG) {
    field = v1::FIELD_TAG;
    prefix = absl::StrCat("v:", KeywordTerm(facet.tag_key()), "=");
  }
  v1::PrefixExpansion values;
  LOUPE_RETURN_IF_ERROR(postings_->ExpandPrefix(
      snapshot_, field, prefix, std::numeric_limits<uint32_t>::max(), &values));
  for (const std::string& term : values.terms()) {
    uint64_t count = 0;
    LOUPE_RETURN_IF_ERROR(postings_->ForEach(
        snapshot_, field, term, /*with_positions=*/false,
        [&](const Posting& posting) { count += matches.contains(posting.docid) ? 1 : 0; }));
    if (count > 0) counts[term.substr(prefix.size())] = count;
  }
  return ToResult(std::move(counts), max_values, false);
}

}  // namespace loupe
