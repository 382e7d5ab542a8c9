// Hand-checked example for trec_metrics. Every expected value is worked out
// below from the definitions in trec_metrics.h (log2(3) = 1.5849625,
// log2(5) = 2.3219281, log2(6) = 2.5849625), and agrees with
// ../shared/peers/eval.py (nDCG@10, Recall@100) on the same data.
#include "tools/eval/trec_metrics.h"

#include <gtest/gtest.h>

namespace loupe::eval {
namespace {

// q1: graded. Relevant: d1 (3), d2 (2), d4 (1), d5 (1); d3 judged 0.
// Run: d3 9, d1 8, d6 7, d2 7, d5 1, d1 0.5 (duplicate).
//   Ties: d6 and d2 both 7 -> docid descending -> d6 before d2.
//   Order: d3 d1 d6 d2 d5 (the second d1 is dropped); d4 is never retrieved.
//   DCG@10  = 3/log2(3) + 2/log2(5) + 1/log2(6)
//           = 1.8927893 + 0.8613531 + 0.3868528 = 3.1409952
//   IDCG@10 = 3/1 + 2/log2(3) + 1/log2(4) + 1/log2(5)
//           = 3 + 1.2618595 + 0.5 + 0.4306766 = 5.1925361
//   nDCG@10 = 3.1409952 / 5.1925361 = 0.6049
//   Recall@10 = Recall@100 = 3 found / 4 relevant = 0.75
//   AP = (1/2 + 2/4 + 3/5) / 4 = 1.6 / 4 = 0.4
//   RR@10 = 1/2 (first relevant, d1, at rank 2)
// q2: known item d7 at rank 11, behind ten unjudged documents.
//   nDCG@10 = 0, Recall@10 = 0, Recall@100 = 1, AP = 1/11 = 0.0909, RR@10 = 0
// q3: relevant d9, absent from the run: 0 everywhere, but counted (trec_eval -c).
// q4: only a grade-0 judgement: skipped (no relevant document).
// q5: in the run, not in the qrels: ignored.
// Means over q1, q2, q3:
//   nDCG@10   = 0.6049 / 3            = 0.2016 (0.604906 / 3 = 0.201635)
//   Recall@10 = 0.75 / 3              = 0.2500
//   Recall@100= (0.75 + 1) / 3        = 0.5833
//   MAP       = (0.4 + 0.090909) / 3  = 0.1636
//   MRR@10    = 0.5 / 3               = 0.1667
Qrels ExampleQrels() {
  return {{"q1", {{"d1", 3}, {"d2", 2}, {"d3", 0}, {"d4", 1}, {"d5", 1}}},
          {"q2", {{"d7", 1}, {"d8", 0}}},
          {"q3", {{"d9", 1}}},
          {"q4", {{"d1", 0}}}};
}

Run ExampleRun() {
  Run run;
  run["q1"] = {{"d3", 9}, {"d1", 8}, {"d6", 7}, {"d2", 7}, {"d5", 1}, {"d1", 0.5}};
  for (int i = 0; i < 10; ++i) run["q2"].push_back({"x" + std::to_string(i), 20.0 - i});
  run["q2"].push_back({"d7", 5});
  run["q5"] = {{"d1", 1}};
  return run;
}

TEST(TrecMetricsTest, OrderBreaksTiesByDocidDescendingAndDropsDuplicates) {
  EXPECT_EQ(TrecOrder(ExampleRun()["q1"]),
            (std::vector<std::string>{"d3", "d1", "d6", "d2", "d5"}));
}

TEST(TrecMetricsTest, GradedQueryByHand) {
  const Qrels qrels = ExampleQrels();
  const std::vector<std::string> ranked = TrecOrder(ExampleRun()["q1"]);
  EXPECT_NEAR(NdcgAt(ranked, qrels.at("q1"), 10), 0.6049, 5e-5);
  EXPECT_NEAR(NdcgAt(ranked, qrels.at("q1"), 10), 3.1409952 / 5.1925361, 1e-7);
  EXPECT_DOUBLE_EQ(RecallAt(ranked, qrels.at("q1"), 10), 0.75);
  EXPECT_DOUBLE_EQ(RecallAt(ranked, qrels.at("q1"), 100), 0.75);
  EXPECT_DOUBLE_EQ(AveragePrecision(ranked, qrels.at("q1")), 0.4);
  EXPECT_DOUBLE_EQ(ReciprocalRankAt(ranked, qrels.at("q1"), 10), 0.5);
  // nDCG@1: d3 (grade 0) first -> 0.
  EXPECT_DOUBLE_EQ(NdcgAt(ranked, qrels.at("q1"), 1), 0);
}

TEST(TrecMetricsTest, KnownItemBeyondTheCut) {
  const Qrels qrels = ExampleQrels();
  const QueryMetrics metrics = EvaluateQuery(TrecOrder(ExampleRun()["q2"]), qrels.at("q2"));
  EXPECT_DOUBLE_EQ(metrics.ndcg_at_10, 0);
  EXPECT_DOUBLE_EQ(metrics.recall_at_10, 0);
  EXPECT_DOUBLE_EQ(metrics.recall_at_100, 1);
  EXPECT_NEAR(metrics.average_precision, 0.0909, 5e-5);
  EXPECT_DOUBLE_EQ(metrics.reciprocal_rank_at_10, 0);
}

TEST(TrecMetricsTest, MeansCountMissingQueriesAsZeroAndSkipUnjudgedOnes) {
  const Evaluation evaluation = Evaluate(ExampleQrels(), ExampleRun());
  EXPECT_EQ(evaluation.queries_evaluated, 3);  // q1, q2, q3 (q4 no relevant, q5 no qrels)
  EXPECT_EQ(evaluation.queries_with_results, 2);
  EXPECT_EQ(evaluation.per_query.count("q4"), 0u);
  EXPECT_EQ(evaluation.per_query.count("q5"), 0u);
  EXPECT_NEAR(evaluation.mean.ndcg_at_10, 0.2016, 5e-5);
  EXPECT_NEAR(evaluation.mean.recall_at_10, 0.2500, 5e-5);
  EXPECT_NEAR(evaluation.mean.recall_at_100, 0.5833, 5e-5);
  EXPECT_NEAR(evaluation.mean.average_precision, 0.1636, 5e-5);
  EXPECT_NEAR(evaluation.mean.reciprocal_rank_at_10, 0.1667, 5e-5);
}

TEST(TrecMetricsTest, NegativeGradesGainNothingAndAreNotRelevant) {
  const Judgements judged = {{"a", -1}, {"b", 1}};
  const std::vector<std::string> ranked = {"a", "b"};
  // DCG = 1/log2(3); IDCG = 1 -> 0.6309.
  EXPECT_NEAR(NdcgAt(ranked, judged, 10), 0.6309, 5e-5);
  EXPECT_DOUBLE_EQ(ReciprocalRankAt(ranked, judged, 10), 0.5);
  EXPECT_DOUBLE_EQ(RecallAt(ranked, judged, 1), 0);
}

TEST(TrecMetricsTest, EmptyInputs) {
  EXPECT_EQ(Evaluate({}, {}).queries_evaluated, 0);
  EXPECT_DOUBLE_EQ(Evaluate({}, {}).mean.ndcg_at_10, 0);
  EXPECT_DOUBLE_EQ(NdcgAt({}, {{"a", 1}}, 10), 0);
}

}  // namespace
}  // namespace loupe::eval
