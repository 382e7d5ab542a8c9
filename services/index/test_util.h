// Helpers shared by the loupe-index unit tests: temporary data folders,
// small engines and request builders.
//
//   TempDir dir;
//   std::unique_ptr<IndexEngine> engine = OpenSmallEngine(dir.path(), IndexEngineOptions{});
//   v1::ApplyRequest request = ApplyRequestFor(0, 1, {Upsert(1, "a", "Title", "Body")});
#ifndef LOUPE_SERVICES_INDEX_TEST_UTIL_H_
#define LOUPE_SERVICES_INDEX_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loupe/v1/index.pb.h"
#include "services/index/index_engine.h"

namespace loupe::testing_util {

// A fresh folder under the test temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "loupe-index-XXXXXX";
    char* created = mkdtemp(pattern.data());
    EXPECT_NE(created, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// An engine on `dir` with small RocksDB caches and memtables (8 MiB block
// cache, 4 MiB write buffers); nullptr, with a test failure, if it does not
// open.
inline std::unique_ptr<IndexEngine> OpenSmallEngine(const std::string& dir,
                                                    const IndexEngineOptions& options) {
  RocksOptions rocks;
  rocks.block_cache_mb = 8;
  rocks.write_buffer_mb = 4;
  absl::StatusOr<std::unique_ptr<IndexEngine>> engine = IndexEngine::Open(dir, options, rocks);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

// Language "und" by default: no stemming and no stop words, so tests can
// name the indexed terms as they typed them.
inline v1::Operation Upsert(uint64_t sequence, const std::string& id, const std::string& title,
                            const std::string& body, int64_t version = 1,
                            const std::string& lang = "und") {
  v1::Operation op;
  op.set_sequence(sequence);
  v1::Document* document = op.mutable_upsert()->mutable_document();
  document->set_id(id);
  document->set_title(title);
  document->set_body(body);
  document->set_lang(lang);
  document->set_version(version);
  return op;
}

inline v1::Operation Delete(uint64_t sequence, const std::string& id) {
  v1::Operation op;
  op.set_sequence(sequence);
  op.set_delete_id(id);
  return op;
}

inline v1::ApplyRequest ApplyRequestFor(uint32_t shard_id, uint32_t shard_count,
                                        const std::vector<v1::Operation>& operations) {
  v1::ApplyRequest request;
  request.set_shard_id(shard_id);
  request.set_shard_count(shard_count);
  for (const v1::Operation& op : operations) *request.add_operations() = op;
  return request;
}

inline v1::TermClause Clause(const std::string& term, v1::Occur occur = v1::OCCUR_SHOULD,
                             v1::Field field = v1::FIELD_UNSPECIFIED, float boost = 0) {
  v1::TermClause clause;
  clause.set_term(term);
  clause.set_occur(occur);
  clause.set_field(field);
  clause.set_boost(boost);
  return clause;
}

}  // namespace loupe::testing_util

#endif  // LOUPE_SERVICES_INDEX_TEST_UTIL_H_
