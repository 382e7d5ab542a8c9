#include "services/query/term_stats_cache.h"

#include <utility>

namespace loupe::query {
namespace {

std::string Key(const loupe::v1::FieldTerm& term) {
  std::string key(1, static_cast<char>(term.field()));
  key.append(term.term());
  return key;
}

}  // namespace

TermStatsCache::TermStatsCache(size_t shard_count, size_t max_terms_per_shard)
    : max_terms_per_shard_(max_terms_per_shard) {
  for (size_t i = 0; i < shard_count; ++i) shards_.push_back(std::make_unique<ShardEntries>());
}

std::optional<loupe::v1::TermStatsResponse> TermStatsCache::Lookup(
    size_t shard, const loupe::v1::TermStatsRequest& request) const {
  if (max_terms_per_shard_ == 0 || shard >= shards_.size() || request.prefixes_size() > 0) {
    return std::nullopt;
  }
  const ShardEntries& entries = *shards_[shard];
  absl::MutexLock lock(&entries.mutex);
  if (entries.version.empty()) return std::nullopt;
  loupe::v1::TermStatsResponse response;
  for (const loupe::v1::FieldTerm& term : request.terms()) {
    auto it = entries.document_frequencies.find(Key(term));
    if (it == entries.document_frequencies.end()) return std::nullopt;
    response.add_document_frequencies(it->second);
  }
  *response.mutable_collection() = entries.collection;
  response.set_statistics_version(entries.version);
  return response;
}

void TermStatsCache::Store(size_t shard, const loupe::v1::TermStatsRequest& request,
                           const loupe::v1::TermStatsResponse& response) {
  if (max_terms_per_shard_ == 0 || shard >= shards_.size() ||
      response.statistics_version().empty() ||
      response.document_frequencies_size() != request.terms_size()) {
    return;
  }
  ShardEntries& entries = *shards_[shard];
  absl::MutexLock lock(&entries.mutex);
  if (entries.version != response.statistics_version() ||
      entries.document_frequencies.size() + request.terms_size() > max_terms_per_shard_) {
    entries.document_frequencies.clear();
    entries.version = response.statistics_version();
    entries.collection = response.collection();
  }
  for (int t = 0; t < request.terms_size(); ++t) {
    entries.document_frequencies[Key(request.terms(t))] = response.document_frequencies(t);
  }
}

void TermStatsCache::Forget(size_t shard) {
  if (shard >= shards_.size()) return;
  ShardEntries& entries = *shards_[shard];
  absl::MutexLock lock(&entries.mutex);
  entries.version.clear();
  entries.document_frequencies.clear();
}

}  // namespace loupe::query
