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

// This thread's stemmer for `algorithm`, or nullptr when there is none (the
// failure is remembered, so it is not retried per word).
sb_stemmer* ThreadStemmer(absl::string_view algorithm) {
  thread_local absl::flat_hash_map<std::string, StemmerPtr> stemmers;
  auto it = stemmers.find(algorithm);
  if (it == stemmers.end()) {
    const std::string name(algorithm);
    it = stemmers.emplace(name, StemmerPtr(sb_stemmer_new(name.c_str(), "UTF_8"))).first;
  }
  return it->second.get();
}

}  // namespace

bool SnowballStem(absl::string_view algorithm, absl::string_view word, std::string* stem) {
  sb_stemmer* stemmer = ThreadStemmer(algorithm);
  if (stemmer == nullptr) return false;
  const sb_symbol* out = sb_stemmer_stem(
      stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (out == nullptr) return false;  // Out of memory inside libstemmer.
  stem->assign(reinterpret_cast<const char*>(out),
               static_cast<size_t>(sb_stemmer_length(stemmer)));
  return true;
}

std::vector<std::string> SnowballAlgorithms() {
  std::vector<std::string> names;
  for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) names.emplace_back(*name);
  return names;
}

}  // namespace loupe
