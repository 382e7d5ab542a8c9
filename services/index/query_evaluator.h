// QueryEvaluator: the set of documents of one shard that match a query tree
// (v1::QueryNode), each with its BM25 score under the GLOBAL statistics of
// the request, read from one RocksDB snapshot. ShardSearcher sorts and cuts
// the result.
//
// Semantics (see index.proto): a term (forms scored as one term, tf summed,
// df the largest), a phrase (words at their offsets, consecutive positions
// of one field; score = BM25 of the phrase frequency with the sum of the
// words' idfs, as Lucene), a prefix (its expansions scored as one term), a
// filter (matches, score 0), a boolean (MUST/FILTER required, MUST_NOT
// excluded, at least one SHOULD when there is no MUST; score = sum of the
// MUST and SHOULD children's scores in clause order, times its boost). A
// field-less leaf scores title then body. Every addition happens in the
// same order whatever the sharding, so scores are bit-identical across
// shard layouts. Only scored leaves need statistics.
//
// Errors: INVALID_ARGUMENT naming the node ("plan.root.boolean.clauses[1]
// .node.phrase.offsets") for a malformed tree, or "stat_terms" for a scored
// form without a global document frequency; DATA_LOSS for corrupt data.
//
//   QueryEvaluator evaluator(&postings, &dates, snapshot, stats);
//   absl::StatusOr<DocScores> matches = evaluator.Evaluate(plan.root(), "plan.root");
#ifndef LOUPE_SERVICES_INDEX_QUERY_EVALUATOR_H_
#define LOUPE_SERVICES_INDEX_QUERY_EVALUATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loupe/v1/index.pb.h"
#include "services/common/status_util.h"
#include "services/index/document_metadata.h"
#include "services/index/posting_store.h"
#include "services/index/scoring_context.h"
#include "services/index/term_clause.h"

namespace loupe {

// Matching docid -> score.
using DocScores = absl::flat_hash_map<uint32_t, double>;

// Most nested levels of a query tree.
inline constexpr int kMaxQueryDepth = 32;
// Most expansions of a prefix clause.
inline constexpr uint32_t kMaxPrefixTerms = 10000;

class QueryEvaluator {
 public:
  // Not owned; all must outlive the evaluator.
  QueryEvaluator(const PostingStore* postings, const DateReader* dates,
                 const rocksdb::Snapshot* snapshot, const ScoringContext* scoring)
      : postings_(postings), dates_(dates), snapshot_(snapshot), scoring_(scoring) {}

  // `path` names the root in error messages.
  absl::StatusOr<DocScores> Evaluate(const v1::QueryNode& root, const std::string& path);

  // Makes the next Evaluate record, for document `docid`, what each scored
  // leaf adds to its score (boolean boosts applied; leaves of a boolean the
  // document does not match are dropped), into `components` (not owned).
  void ExplainDocument(uint32_t docid,
                       google::protobuf::RepeatedPtrField<v1::ScoreComponent>* components) {
    explain_docid_ = docid;
    explain_ = components;
  }

 private:
  // `scored`: compute scores (else only the matching set, scores 0).
  absl::Status Eval(const v1::QueryNode& node, const std::string& path, int depth, bool scored,
                    DocScores* out);
  absl::Status EvalTermGroup(const std::vector<const std::string*>& forms, v1::Field field,
                             double boost, const std::string& path, bool scored,
                             DocScores* out);
  absl::Status EvalTerm(const v1::TermClause& term, const std::string& path, bool scored,
                        DocScores* out);
  absl::Status EvalPhrase(const v1::PhraseClause& phrase, const std::string& path, bool scored,
                          DocScores* out);
  absl::Status EvalPrefix(const v1::PrefixClause& prefix, const std::string& path, bool scored,
                          DocScores* out);
  absl::Status EvalFilter(const v1::FilterClause& filter, const std::string& path,
                          DocScores* out);
  absl::Status EvalBoolean(const v1::BooleanQuery& boolean, const std::string& path, int depth,
                           bool scored, DocScores* out);

  // Largest global df among `forms` in `field`; records a violation when
  // one has none (returns false).
  bool GroupDocumentFrequency(const std::vector<const std::string*>& forms, v1::Field field,
                              const std::string& path, uint64_t* df);
  // Global average length of `field`; records a violation when the request
  // has no total for it (returns false).
  bool AverageLength(v1::Field field, double* average);

  const PostingStore* postings_;
  const DateReader* dates_;
  const rocksdb::Snapshot* snapshot_;
  const ScoringContext* scoring_;
  // Records a leaf's component when explaining `docid`.
  void Record(uint32_t docid, const std::string& path, std::string terms, v1::Field field,
              uint32_t tf, uint64_t df, double idf, uint32_t field_length,
              double average_length, double weight, double score);

  // Missing statistics and malformed nodes, reported together at the end.
  FieldViolations violations_;
  uint32_t explain_docid_ = 0;
  google::protobuf::RepeatedPtrField<v1::ScoreComponent>* explain_ = nullptr;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_QUERY_EVALUATOR_H_
