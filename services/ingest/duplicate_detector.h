// Exact and near-duplicate detection, so that search can fold syndicated
// copies of one story together.
//
//   - Exact: Fingerprint64 of the normalised body.
//   - Near: a 64-bit SimHash (Charikar) over the word 3-shingles of the
//     analysed body (loupe::MakeDefaultAnalyzer tokens, so case, accents and
//     punctuation do not matter). Two bodies are near duplicates when their
//     SimHashes differ in at most kMaxHammingDistance bits.
//
// DuplicateIndex keeps both in a RocksDB column family. The SimHash is split
// into 4 bands of 16 bits; by the pigeonhole principle two hashes within 3
// bits agree on at least one band, so a lookup is 4 prefix scans:
//   'x' fingerprint(BE64) id          -> cluster id
//   'b' band(1 byte) bits(BE16) id    -> simhash(BE64) cluster id
// A document's cluster is the cluster of the closest match (exact first), or
// its own id when it is the first of its kind. Reads and writes go through a
// ReadableWriteBatch in which the family is readable, so that documents of
// the same batch see each other before the batch is committed. Not
// thread-safe by itself: the caller serialises writers (IngestEngine holds
// its write mutex).
//
//   ContentSignature signature = ComputeSignature(*analyzer, doc.body(), doc.lang());
//   absl::StatusOr<std::optional<std::string>> cluster = index.FindCluster(signature, &batch);
//   index.Add(doc.id(), signature, cluster->value_or(doc.id()), &batch);
#ifndef LOUPE_SERVICES_INGEST_DUPLICATE_DETECTOR_H_
#define LOUPE_SERVICES_INGEST_DUPLICATE_DETECTOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "services/common/analysis/analyzer.h"
#include "services/common/readable_write_batch.h"

namespace loupe {

inline constexpr int kMaxHammingDistance = 3;
// Bodies with fewer shingles take part in exact detection only: a SimHash of
// a handful of features is too coarse to compare.
inline constexpr int kMinShinglesForSimHash = 3;

struct ContentSignature {
  uint64_t body_fingerprint = 0;
  uint64_t simhash = 0;
  bool has_simhash = false;
};

// Signature of a normalised body in language `lang` ("und" allowed).
ContentSignature ComputeSignature(const Analyzer& analyzer, absl::string_view body,
                                  absl::string_view lang);

// SimHash of the word 3-shingles of `terms`; has_simhash false when too few.
ContentSignature SimHashOfTerms(const std::vector<std::string>& terms);

int HammingDistance(uint64_t a, uint64_t b);

// Options of the family DuplicateIndex keeps its entries in. Its reads are
// all prefix scans of one exact or band prefix, so the family gets a prefix
// extractor ('x'+fingerprint: 9 bytes, 'b'+band+bits: 4), a hash-bucketed
// memtable (a seek goes to its prefix's bucket instead of down one skip
// list of every entry: the scans were a quarter of loupe-ingest's CPU) and
// prefix Bloom filters in the memtable and the SST files.
void TuneDuplicateFamily(rocksdb::ColumnFamilyOptions* options);

class DuplicateIndex {
 public:
  DuplicateIndex(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family)
      : db_(db), family_(family) {}

  // The cluster of the best existing match of `signature`, or nullopt.
  absl::StatusOr<std::optional<std::string>> FindCluster(const ContentSignature& signature,
                                                         const ReadableWriteBatch& batch) const;

  // Index entries of document `id` (to Add a new version, Remove the old).
  absl::Status Add(absl::string_view id, const ContentSignature& signature,
                   absl::string_view cluster, ReadableWriteBatch* batch) const;
  absl::Status Remove(absl::string_view id, const ContentSignature& signature,
                      ReadableWriteBatch* batch) const;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_DUPLICATE_DETECTOR_H_
