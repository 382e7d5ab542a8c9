// BM25 with per-field weights, computed in one fixed order so that the same
// document gets a bit-identical score on every shard layout (scores are then
// summed over clauses in plan order by the caller).
//
//   Bm25Params params;  // k1 1.2, b 0.75, title 0.5, body 1.0
//   double idf = Bm25Idf(/*document_count=*/1000, /*document_frequency=*/12);
//   double s = Bm25TermScore(params.k1, params.b, /*boost_weight=*/2.0, idf,
//                            /*tf=*/3, /*field_length=*/120, /*average_length=*/250.5);
#ifndef LOUPE_SERVICES_INDEX_BM25_H_
#define LOUPE_SERVICES_INDEX_BM25_H_

#include <cmath>
#include <cstdint>

namespace loupe {

struct Bm25Params {
  // Defaults chosen on the relevance collections (README, Relevance).
  double k1 = 1.2;
  double b = 0.75;
  double title_weight = 0.5;
  double body_weight = 1.0;
};

// ln(1 + (N - df + 0.5) / (df + 0.5)) (Lucene's non-negative idf).
inline double Bm25Idf(uint64_t document_count, uint64_t document_frequency) {
  const double n = static_cast<double>(document_count);
  const double df = static_cast<double>(document_frequency);
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

// boost_weight * idf * tf (k1 + 1) / (tf + k1 (1 - b + b len / avglen)).
// An average length of 0 (empty collection statistics) counts as len.
inline double Bm25TermScore(double k1, double b, double boost_weight, double idf, uint32_t tf,
                            uint32_t field_length, double average_length) {
  const double freq = static_cast<double>(tf);
  const double relative_length =
      average_length > 0 ? static_cast<double>(field_length) / average_length : 1.0;
  return boost_weight * idf * (freq * (k1 + 1.0)) /
         (freq + k1 * (1.0 - b + b * relative_length));
}

// The factors of one clause's BM25 in one field, resolved from the request's
// statistics (top_k_search.cc) for the scorers that walk its lists.
struct FieldBm25 {
  // Boost times the field weight.
  double weight = 0;
  // A phrase's is the sum of its words' idfs.
  double idf = 0;
  double average_length = 0;

  double Score(double k1, double b, uint32_t tf, uint32_t field_length) const {
    return Bm25TermScore(k1, b, weight, idf, tf, field_length, average_length);
  }
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_BM25_H_
