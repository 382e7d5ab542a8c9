// Retrieval metrics computed exactly as trec_eval 9.x defines them, for one
// TREC run against graded relevance judgements (qrels).
//
// Definitions (trec_eval's measure names in brackets):
//  - Ranking: a query's retrieved documents are re-sorted by score
//    descending, ties broken by docid descending (byte order), as trec_eval
//    does; the rank column of a run file is ignored. A docid retrieved twice
//    keeps its first (best) position.
//  - Relevant: qrels grade >= 1 (trec_eval's default relevance_level).
//  - nDCG@k [ndcg_cut.k]: gain = the grade (negative grades count as 0),
//    discount 1/log2(rank + 1); the ideal DCG sorts every judged document of
//    the query by grade and cuts at k.
//  - Recall@k [recall_k]: relevant documents in the top k / all relevant.
//  - AP [map]: sum of precision at the rank of each relevant retrieved
//    document, over all retrieved documents, / all relevant.
//  - RR@k: 1 / rank of the first relevant document if it is in the top k,
//    else 0 ([recip_rank] cut at k; used for known-item sets).
//  - Means: over the queries of the qrels that have at least one relevant
//    document; such a query missing from the run scores 0 on everything
//    (trec_eval -c, the setting of the published Anserini/BEIR figures).
//    Queries of the run absent from the qrels are ignored.
//
//   Qrels qrels = {{"q1", {{"d1", 2}, {"d2", 0}}}};
//   Run run = {{"q1", {{"d2", 3.5}, {"d1", 1.25}}}};
//   Evaluation result = Evaluate(qrels, run);
//   // result.mean.ndcg_at_10 == 1 / log2(3) == 0.6309
#ifndef LOUPE_TOOLS_EVAL_TREC_METRICS_H_
#define LOUPE_TOOLS_EVAL_TREC_METRICS_H_

#include <map>
#include <string>
#include <vector>

namespace loupe::eval {

// Grade of each judged document of one query: docid -> grade.
using Judgements = std::map<std::string, int>;
// Query id -> its judgements.
using Qrels = std::map<std::string, Judgements>;

struct ScoredDoc {
  std::string docid;
  double score = 0;
};
// Query id -> retrieved documents in any order (they are re-sorted).
using Run = std::map<std::string, std::vector<ScoredDoc>>;

struct QueryMetrics {
  double ndcg_at_10 = 0;
  double recall_at_10 = 0;
  double recall_at_100 = 0;
  double average_precision = 0;
  double reciprocal_rank_at_10 = 0;
};

struct Evaluation {
  // Means over `queries_evaluated` queries (see the file comment).
  QueryMetrics mean;
  int queries_evaluated = 0;
  // Evaluated queries that have at least one retrieved document.
  int queries_with_results = 0;
  // Per evaluated query.
  std::map<std::string, QueryMetrics> per_query;
};

// Docids in trec_eval's order: score descending, then docid descending;
// duplicates removed (first kept).
std::vector<std::string> TrecOrder(std::vector<ScoredDoc> docs);

// Each measure for one query; `ranked` is already in TrecOrder.
double NdcgAt(const std::vector<std::string>& ranked, const Judgements& judged, size_t k);
double RecallAt(const std::vector<std::string>& ranked, const Judgements& judged, size_t k);
double AveragePrecision(const std::vector<std::string>& ranked, const Judgements& judged);
double ReciprocalRankAt(const std::vector<std::string>& ranked, const Judgements& judged,
                        size_t k);

QueryMetrics EvaluateQuery(const std::vector<std::string>& ranked, const Judgements& judged);

Evaluation Evaluate(const Qrels& qrels, const Run& run);

}  // namespace loupe::eval

#endif  // LOUPE_TOOLS_EVAL_TREC_METRICS_H_
