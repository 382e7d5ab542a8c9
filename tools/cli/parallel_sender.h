// BatchSender that keeps several unary IngestService.Ingest calls in flight
// (--parallel N), each with a deadline of `timeout_ms`.
//
// Batches may commit out of order, except that a batch holding an id that is
// also in a batch still queued or in flight waits for it, so that the last
// version of a document in the input is the one stored (documents without an
// id, whose id the server derives, are not checked). RESOURCE_EXHAUSTED is retried per batch with exponential backoff;
// the first other error stops the sender: batches queued behind it are
// dropped, calls in flight finish.
//
//   ParallelSender sender(stub.get(), {.parallel = 2}, notice);
//   (then as BatchSender, see batch_sender.h)
#ifndef LOUPE_TOOLS_CLI_PARALLEL_SENDER_H_
#define LOUPE_TOOLS_CLI_PARALLEL_SENDER_H_

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "loupe/v1/ingest.grpc.pb.h"
#include "tools/cli/batch_sender.h"

namespace loupe::cli {

class ParallelSender : public BatchSender {
 public:
  struct Options {
    int parallel = 2;
    int64_t timeout_ms = 10000;
    int max_retries = 10;
    absl::Duration initial_backoff = absl::Milliseconds(500);
    absl::Duration max_backoff = absl::Seconds(30);
  };

  ParallelSender(loupe::v1::IngestService::Stub* stub, Options options, NoticeFunction notice);
  ~ParallelSender() override;
  ParallelSender(const ParallelSender&) = delete;
  ParallelSender& operator=(const ParallelSender&) = delete;

  grpc::Status Send(IngestBatch batch) override;
  grpc::Status Flush() override;
  IngestTally tally() const override;
  const IngestBatch* failed_batch() const override;

 private:
  void Worker();
  void ReleaseIds(const IngestBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // One batch, with retries. Returns the final status.
  grpc::Status Ingest(const IngestBatch& batch, loupe::v1::IngestResponse* response);

  loupe::v1::IngestService::Stub* const stub_;
  const Options options_;
  const NoticeFunction notice_;

  mutable absl::Mutex mutex_;
  std::deque<IngestBatch> queue_ ABSL_GUARDED_BY(mutex_);
  int running_ ABSL_GUARDED_BY(mutex_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mutex_) = false;
  grpc::Status error_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<IngestBatch> failed_batch_ ABSL_GUARDED_BY(mutex_);
  IngestTally tally_ ABSL_GUARDED_BY(mutex_);
  // Ids of the batches queued or in flight, with their number of batches.
  absl::flat_hash_map<std::string, int> busy_ids_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::thread> workers_;
};

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_PARALLEL_SENDER_H_
