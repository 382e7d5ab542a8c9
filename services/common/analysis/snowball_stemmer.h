// Snowball stemming through libstemmer. libstemmer's stemmers are not
// thread-safe, so each thread keeps its own stemmer per algorithm (created
// on first use, freed when the thread exits), with a table of stems of the
// words it saw, so that frequent words skip the stemmer.
//
//   std::string stem;
//   if (SnowballStem("french", "réveillés", &stem)) { /* stem == "réveil" */ }
#ifndef LOUPE_SERVICES_COMMON_ANALYSIS_SNOWBALL_STEMMER_H_
#define LOUPE_SERVICES_COMMON_ANALYSIS_SNOWBALL_STEMMER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace loupe {

// Stems the case-folded UTF-8 `word` with libstemmer's `algorithm`
// ("english", "french", …) into *stem. False (and *stem untouched) when
// libstemmer has no such algorithm or fails to allocate.
bool SnowballStem(absl::string_view algorithm, absl::string_view word, std::string* stem);

// The algorithms this libstemmer ships (sb_stemmer_list()).
std::vector<std::string> SnowballAlgorithms();

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_ANALYSIS_SNOWBALL_STEMMER_H_
