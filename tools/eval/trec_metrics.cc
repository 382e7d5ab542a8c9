#include "tools/eval/trec_metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

namespace loupe::eval {
namespace {

bool IsRelevant(int grade) { return grade >= 1; }

int GradeOf(const Judgements& judged, const std::string& docid) {
  const auto it = judged.find(docid);
  return it == judged.end() ? 0 : it->second;
}

int RelevantCount(const Judgements& judged) {
  int count = 0;
  for (const auto& [docid, grade] : judged) count += IsRelevant(grade) ? 1 : 0;
  return count;
}

double Discount(size_t zero_based_rank) { return 1.0 / std::log2(zero_based_rank + 2.0); }

}  // namespace

std::vector<std::string> TrecOrder(std::vector<ScoredDoc> docs) {
  std::stable_sort(docs.begin(), docs.end(), [](const ScoredDoc& a, const ScoredDoc& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.docid > b.docid;
  });
  std::vector<std::string> ranked;
  std::set<std::string> seen;
  for (ScoredDoc& doc : docs) {
    if (seen.insert(doc.docid).second) ranked.push_back(std::move(doc.docid));
  }
  return ranked;
}

double NdcgAt(const std::vector<std::string>& ranked, const Judgements& judged, size_t k) {
  double dcg = 0;
  for (size_t i = 0; i < ranked.size() && i < k; ++i) {
    dcg += std::max(GradeOf(judged, ranked[i]), 0) * Discount(i);
  }
  std::vector<int> ideal;
  for (const auto& [docid, grade] : judged) {
    if (grade > 0) ideal.push_back(grade);
  }
  std::sort(ideal.begin(), ideal.end(), std::greater<int>());
  double ideal_dcg = 0;
  for (size_t i = 0; i < ideal.size() && i < k; ++i) ideal_dcg += ideal[i] * Discount(i);
  return ideal_dcg > 0 ? dcg / ideal_dcg : 0;
}

double RecallAt(const std::vector<std::string>& ranked, const Judgements& judged, size_t k) {
  const int relevant = RelevantCount(judged);
  if (relevant == 0) return 0;
  int found = 0;
  for (size_t i = 0; i < ranked.size() && i < k; ++i) {
    found += IsRelevant(GradeOf(judged, ranked[i])) ? 1 : 0;
  }
  return static_cast<double>(found) / relevant;
}

double AveragePrecision(const std::vector<std::string>& ranked, const Judgements& judged) {
  const int relevant = RelevantCount(judged);
  if (relevant == 0) return 0;
  int found = 0;
  double sum = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (!IsRelevant(GradeOf(judged, ranked[i]))) continue;
    ++found;
    sum += static_cast<double>(found) / static_cast<double>(i + 1);
  }
  return sum / relevant;
}

double ReciprocalRankAt(const std::vector<std::string>& ranked, const Judgements& judged,
                        size_t k) {
  for (size_t i = 0; i < ranked.size() && i < k; ++i) {
    if (IsRelevant(GradeOf(judged, ranked[i]))) return 1.0 / static_cast<double>(i + 1);
  }
  return 0;
}

QueryMetrics EvaluateQuery(const std::vector<std::string>& ranked, const Judgements& judged) {
  QueryMetrics metrics;
  metrics.ndcg_at_10 = NdcgAt(ranked, judged, 10);
  metrics.recall_at_10 = RecallAt(ranked, judged, 10);
  metrics.recall_at_100 = RecallAt(ranked, judged, 100);
  metrics.average_precision = AveragePrecision(ranked, judged);
  metrics.reciprocal_rank_at_10 = ReciprocalRankAt(ranked, judged, 10);
  return metrics;
}

Evaluation Evaluate(const Qrels& qrels, const Run& run) {
  Evaluation evaluation;
  for (const auto& [qid, judged] : qrels) {
    if (RelevantCount(judged) == 0) continue;
    std::vector<std::string> ranked;
    const auto it = run.find(qid);
    if (it != run.end()) ranked = TrecOrder(it->second);
    if (!ranked.empty()) ++evaluation.queries_with_results;
    evaluation.per_query[qid] = EvaluateQuery(ranked, judged);
  }
  evaluation.queries_evaluated = static_cast<int>(evaluation.per_query.size());
  if (evaluation.queries_evaluated == 0) return evaluation;
  QueryMetrics& mean = evaluation.mean;
  for (const auto& [qid, metrics] : evaluation.per_query) {
    mean.ndcg_at_10 += metrics.ndcg_at_10;
    mean.recall_at_10 += metrics.recall_at_10;
    mean.recall_at_100 += metrics.recall_at_100;
    mean.average_precision += metrics.average_precision;
    mean.reciprocal_rank_at_10 += metrics.reciprocal_rank_at_10;
  }
  const double n = evaluation.queries_evaluated;
  mean.ndcg_at_10 /= n;
  mean.recall_at_10 /= n;
  mean.recall_at_100 /= n;
  mean.average_precision /= n;
  mean.reciprocal_rank_at_10 /= n;
  return evaluation;
}

}  // namespace loupe::eval
