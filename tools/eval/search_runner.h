// Sends evaluation queries through QueryService.Search, several in flight,
// and collects each query's ranked hits.
//
// Each query's text goes through ToBagOfWords (query_text.h) first. A query
// that is empty after that, or that the service rejects with "no searchable
// term" (only punctuation, or only words the analyser drops), is not an
// error: it retrieves nothing, as it would for a user. Any other failure, and
// a partial answer (a shard missing), is an error for that query: a run with
// holes is not a measurement. UNAVAILABLE, DEADLINE_EXCEEDED and partial
// answers are retried twice.
//
//   SearchRunner runner(loupe::MakeInternalChannel("127.0.0.1:50052"), options);
//   LOUPE_RETURN_IF_ERROR(runner.Check());  // e.g. --lang without the proto field
//   std::vector<QueryOutcome> outcomes = runner.RunAll(queries);
#ifndef LOUPE_TOOLS_EVAL_SEARCH_RUNNER_H_
#define LOUPE_TOOLS_EVAL_SEARCH_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "loupe/v1/query.grpc.pb.h"
#include "tools/eval/trec_files.h"
#include "tools/eval/trec_metrics.h"

namespace loupe::eval {

struct SearchOptions {
  // Hits per query (SearchRequest.limit, 1-1000).
  uint32_t limit = 1000;
  // SearchRequest.lang when the proto has that field; empty: not sent.
  std::string lang;
  // Calls in flight.
  int parallel = 4;
  int64_t timeout_ms = 30000;
};

struct QueryOutcome {
  std::string qid;
  // The text actually sent (after ToBagOfWords).
  std::string sent;
  absl::Status status;
  // Hits in the service's order.
  std::vector<ScoredDoc> hits;
  // True when the query had nothing to search (see the file comment).
  bool no_searchable_term = false;
};

class SearchRunner {
 public:
  SearchRunner(std::shared_ptr<grpc::Channel> channel, SearchOptions options);

  // INVALID_ARGUMENT for options this build cannot honour (limit out of
  // range, --lang when SearchRequest has no `lang` field).
  absl::Status Check() const;

  // One outcome per query, in the order of `queries`. Thread-safe.
  std::vector<QueryOutcome> RunAll(const std::vector<EvalQuery>& queries) const;

 private:
  QueryOutcome RunOne(const EvalQuery& query) const;

  std::unique_ptr<loupe::v1::QueryService::Stub> stub_;
  SearchOptions options_;
};

}  // namespace loupe::eval

#endif  // LOUPE_TOOLS_EVAL_SEARCH_RUNNER_H_
