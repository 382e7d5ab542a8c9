// ShardSearcher: top-k of one shard for a query plan, scored with BM25 and
// the GLOBAL statistics carried by the request, on one RocksDB snapshot.
//
// Matching: a document must contain every MUST clause (in either field when
// the clause's field is FIELD_UNSPECIFIED), none of the MUST_NOT clauses, and,
// when the plan has no MUST clause, at least one SHOULD clause. Scoring sums,
// in plan order and for each concrete field of each scored clause,
//   boost * field_weight * idf * tf (k1+1) / (tf + k1 (1 - b + b len/avglen)),
// so a document's score does not depend on how documents are sharded.
// A clause with alternatives is one term made of several forms (Lucene's
// SynonymQuery): per document and field, tf = the sum of the forms' tfs, and
// idf uses the largest global df among the forms; every form needs stats.
// Hits are sorted by score descending, then external id ascending.
//
// Term-at-a-time for now; block-max pruning replaces the loop later.
//
//   ShardSearcher searcher(store, &postings, snapshot, defaults);
//   absl::StatusOr<v1::ShardSearchResponse> response = searcher.Search(request);
#ifndef LOUPE_SERVICES_INDEX_SHARD_SEARCHER_H_
#define LOUPE_SERVICES_INDEX_SHARD_SEARCHER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "rocksdb/db.h"
#include "services/common/rocksdb_store.h"
#include "services/index/bm25.h"
#include "services/index/posting_store.h"

namespace loupe {

class ShardSearcher {
 public:
  // Not owned; all must outlive the searcher. `defaults` fill the request's
  // zero ScoringParams.
  ShardSearcher(const RocksStore* store, const PostingStore* postings,
                const rocksdb::Snapshot* snapshot, const Bm25Params& defaults)
      : store_(store), postings_(postings), snapshot_(snapshot), defaults_(defaults) {}

  absl::StatusOr<v1::ShardSearchResponse> Search(const v1::ShardSearchRequest& request) const;

 private:
  // External id of a docid, from the `ids` family.
  absl::StatusOr<std::string> ExternalId(uint32_t docid) const;

  const RocksStore* store_;
  const PostingStore* postings_;
  const rocksdb::Snapshot* snapshot_;
  Bm25Params defaults_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SHARD_SEARCHER_H_
