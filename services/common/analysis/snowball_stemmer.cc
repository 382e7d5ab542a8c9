#include "services/common/analysis/snowball_stemmer.h"

#include <libstemmer.h>

#include <memory>

#include "absl/container/flat_hash_map.h"

namespace loupe {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// Words per thread and algorithm whose stems are remembered. Word
// frequencies follow Zipf's law, so a small cache answers most words
// without running the stemmer; it is emptied when full (the frequent words
// come back at once), which bounds it to about a megabyte.
constexpr size_t kCachedStems = 16384;

// One algorithm's stemmer in one thread, and the stems it gave.
struct ThreadStemmer {
  StemmerPtr stemmer;  // nullptr when libstemmer has no such algorithm
  absl::flat_hash_map<std::string, std::string> stems;
};

// This thread's stemmer for `algorithm` (a failure to create it is
// remembered, so it is not retried per word).
ThreadStemmer& StemmerFor(absl::string_view algorithm) {
  thread_local absl::flat_hash_map<std::string, ThreadStemmer> stemmers;
  auto it = stemmers.find(algorithm);
  if (it == stemmers.end()) {
    const std::string name(algorithm);
    it = stemmers.emplace(name, ThreadStemmer{StemmerPtr(sb_stemmer_new(name.c_str(), "UTF_8")),
                                              {}})
             .first;
  }
  return it->second;
}

}  // namespace

bool SnowballStem(absl::string_view algorithm, absl::string_view word, std::string* stem) {
  ThreadStemmer& thread_stemmer = StemmerFor(algorithm);
  sb_stemmer* stemmer = thread_stemmer.stemmer.get();
  if (stemmer == nullptr) return false;
  auto cached = thread_stemmer.stems.find(word);
  if (cached != thread_stemmer.stems.end()) {
    *stem = cached->second;
    return true;
  }
  const sb_symbol* out = sb_stemmer_stem(
      stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (out == nullptr) return false;  // Out of memory inside libstemmer.
  stem->assign(reinterpret_cast<const char*>(out),
               static_cast<size_t>(sb_stemmer_length(stemmer)));
  if (thread_stemmer.stems.size() >= kCachedStems) thread_stemmer.stems.clear();
  thread_stemmer.stems.emplace(word, *stem);
  return true;
}

std::vector<std::string> SnowballAlgorithms() {
  std::vector<std::string> names;
  for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) names.emplace_back(*name);
  return names;
}

}  // namespace loupe
