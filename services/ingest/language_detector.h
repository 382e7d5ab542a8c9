// Language detection of a document's text with CLD2 (Compact Language
// Detector 2, the detector of Chrome).
//
// Returns an ISO 639-1 code ("fr", "en"; ISO 639-2 for the few languages
// without one), or "und" when CLD2 is not reliable (short, mixed or non-text
// input). Thread-safe and stateless.
//
//   std::string lang = DetectLanguage(doc.title(), doc.body());  // "fr"
#ifndef LOUPE_SERVICES_INGEST_LANGUAGE_DETECTOR_H_
#define LOUPE_SERVICES_INGEST_LANGUAGE_DETECTOR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace loupe {

inline constexpr absl::string_view kUndeterminedLanguage = "und";

// `title` and `body` must be valid UTF-8 plain text.
std::string DetectLanguage(absl::string_view title, absl::string_view body);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_LANGUAGE_DETECTOR_H_
