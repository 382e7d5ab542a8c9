// Internal to loupe-query's fan-out: one unary call per shard, started in
// parallel with the gRPC callback API and waited for together (every call
// carries a deadline, so the wait is bounded), and the deadline shares of
// the phases.
//
//   Calls<v1::InfoRequest, v1::InfoResponse> calls;  // one per shard
//   RunInParallel(stub_for, deadline, calls, [](auto* async, auto* call, auto done) {
//     async->Info(&call->context, &call->request, &call->response, std::move(done));
//   });
#ifndef LOUPE_SERVICES_QUERY_SHARD_CALLS_H_
#define LOUPE_SERVICES_QUERY_SHARD_CALLS_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/time.h"
#include "loupe/v1/index.grpc.pb.h"
#include "services/common/status_util.h"

namespace loupe::query {

// Shares of the remaining time given to the stats and search phases.
inline constexpr double kStatsPhaseShare = 0.3;
inline constexpr double kSearchPhaseShare = 0.7;

// One in-flight unary call to one shard.
template <typename Request, typename Response>
struct ShardCall {
  size_t shard_index = 0;  // Index into ShardFanout::shards_.
  grpc::ClientContext context;
  Request request;
  Response response;
  grpc::Status status;
};

template <typename Request, typename Response>
using Calls = std::vector<std::unique_ptr<ShardCall<Request, Response>>>;

// Starts every call with `start(stub_async, call, done)` and waits until all
// have completed (each has a deadline, so this is bounded).
template <typename Request, typename Response, typename Start>
void RunInParallel(const std::function<loupe::v1::IndexService::Stub*(size_t)>& stub_for,
                   absl::Time deadline,
                   Calls<Request, Response>& calls, Start start) {
  if (calls.empty()) return;
  absl::BlockingCounter pending(static_cast<int>(calls.size()));
  for (auto& call : calls) {
    call->context.set_deadline(absl::ToChronoTime(deadline));
    ShardCall<Request, Response>* raw = call.get();
    start(stub_for(raw->shard_index)->async(), raw, [raw, &pending](grpc::Status status) {
      raw->status = std::move(status);
      pending.DecrementCount();
    });
  }
  pending.Wait();
}

// "CODE: message".
inline std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat(GrpcCodeName(status.error_code()), ": ", status.error_message());
}

// The earlier of the request's deadline and now + `share` of the time left.
inline absl::Time PhaseDeadline(absl::Time request_deadline, double share) {
  const absl::Time now = absl::Now();
  if (request_deadline <= now) return request_deadline;
  return std::min(request_deadline, now + (request_deadline - now) * share);
}

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_SHARD_CALLS_H_
