// Helpers for loupe-ingest's unit tests only: a temporary folder removed at
// the end of the test, and the field violations carried by a status.
//
//   ScopedTempDir dir("engine");
//   auto engine = IngestEngine::Open(dir.path(), options, RocksOptions());
//   EXPECT_THAT(ViolatedFields(status), Contains("documents[0].body"));
#ifndef LOUPE_SERVICES_INGEST_TEST_UTIL_H_
#define LOUPE_SERVICES_INGEST_TEST_UTIL_H_

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/status_util.h"

namespace loupe {

class ScopedTempDir {
 public:
  explicit ScopedTempDir(const std::string& name) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("loupe-ingest-test-" + name + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++)))
                .string();
    std::filesystem::remove_all(path_);
  }
  ~ScopedTempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// field path -> description, from the status's google.rpc.BadRequest.
inline std::map<std::string, std::string> ViolatedFields(const absl::Status& status) {
  std::map<std::string, std::string> fields;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return fields;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return fields;
  for (const auto& violation : bad_request.field_violations()) {
    fields[violation.field()] = violation.description();
  }
  return fields;
}

// The google.rpc.ErrorInfo of a status (empty when none).
inline google::rpc::ErrorInfo ErrorInfoOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  if (payload.has_value()) info.ParseFromString(std::string(*payload));
  return info;
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_TEST_UTIL_H_
