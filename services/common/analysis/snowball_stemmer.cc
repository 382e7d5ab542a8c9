#include "services/common/analysis/snowball_stemmer.h"

#include <libstemmer.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "services/common/analysis/recent_keys.h"

namespace loupe {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// Stems remembered per thread and algorithm, in a direct-mapped table: a
// word's slot is fixed by its hash, and a new word takes the slot over.
// Word frequencies follow Zipf's law, so the frequent words stay and most
// words skip the stemmer; a lookup is one hash and one slot, with nothing
// allocated. (A hash map emptied when full spent as much time finding and
// inserting as libstemmer spent stemming.) Words or stems longer than a
// slot holds go to the stemmer every time.
constexpr size_t kCachedStems = 16384;  // 64 bytes each: 1 MiB
constexpr size_t kMaxCachedBytes = 31;

struct alignas(64) CachedStem {
  uint8_t word_size = 0;  // 0: the slot is empty
  uint8_t stem_size = 0;
  char word[kMaxCachedBytes];
  char stem[kMaxCachedBytes];

  absl::string_view Word() const { return absl::string_view(word, word_size); }
};
static_assert(sizeof(CachedStem) == 64);

// One algorithm's stemmer in one thread, and the stems it gave.
struct ThreadStemmer {
  StemmerPtr stemmer;  // nullptr when libstemmer has no such algorithm
  std::unique_ptr<CachedStem[]> stems = std::make_unique<CachedStem[]>(kCachedStems);
};

// This thread's stemmer for `algorithm` (a failure to create it is
// remembered, so it is not retried per word). Callers stem words in a few
// algorithms in turn (a query word in English, then in French), so the
// last ones are checked before the map of algorithms.
ThreadStemmer& StemmerFor(absl::string_view algorithm) {
  thread_local absl::flat_hash_map<std::string, std::unique_ptr<ThreadStemmer>> stemmers;
  thread_local RecentKeys<ThreadStemmer*> recent;
  if (ThreadStemmer* const* found = recent.Find(algorithm)) return **found;
  std::unique_ptr<ThreadStemmer>& stemmer = stemmers[algorithm];
  if (stemmer == nullptr) {
    const std::string name(algorithm);
    stemmer = std::make_unique<ThreadStemmer>();
    stemmer->stemmer.reset(sb_stemmer_new(name.c_str(), "UTF_8"));
  }
  recent.Remember(algorithm, stemmer.get());
  return *stemmer;
}

}  // namespace

bool SnowballStem(absl::string_view algorithm, absl::string_view word, std::string* stem) {
  ThreadStemmer& thread_stemmer = StemmerFor(algorithm);
  sb_stemmer* stemmer = thread_stemmer.stemmer.get();
  if (stemmer == nullptr) return false;
  CachedStem& slot =
      thread_stemmer.stems[absl::Hash<absl::string_view>()(word) & (kCachedStems - 1)];
  if (slot.word_size != 0 && slot.Word() == word) {
    stem->assign(slot.stem, slot.stem_size);
    return true;
  }
  const sb_symbol* out = sb_stemmer_stem(
      stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (out == nullptr) return false;  // Out of memory inside libstemmer.
  const auto stem_size = static_cast<size_t>(sb_stemmer_length(stemmer));
  stem->assign(reinterpret_cast<const char*>(out), stem_size);
  if (!word.empty() && word.size() <= kMaxCachedBytes && stem_size <= kMaxCachedBytes) {
    slot.word_size = static_cast<uint8_t>(word.size());
    slot.stem_size = static_cast<uint8_t>(stem_size);
    std::memcpy(slot.word, word.data(), word.size());
    std::memcpy(slot.stem, stem->data(), stem_size);
  }
  return true;
}

std::vector<std::string> SnowballAlgorithms() {
  std::vector<std::string> names;
  for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) names.emplace_back(*name);
  return names;
}

}  // namespace loupe
