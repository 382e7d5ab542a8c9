// BatchSender over IngestService.IngestStream (batches stay in order).
//
// Batches go out on a client stream as soon as they are handed over; every
// `segment_batches` batches (or `segment_bytes`) the stream is closed and its
// IngestResponse read, which bounds the response size and the number of
// batches kept in memory for a retry. A stream that makes no progress for
// `stall_timeout_ms` (no batch accepted by the transport, or no answer after
// the last one) is cancelled and reported as DEADLINE_EXCEEDED.
//
// RESOURCE_EXHAUSTED (a shard's backlog is full) is retried with exponential
// backoff: the batches the server reports as committed (google.rpc.ErrorInfo
// metadata "committed_batches") are dropped, the others are sent again on a
// new stream. Any other error is returned, and failed_batch() tells which
// batch it concerns so that "documents[i]" can be mapped to a file and line.
//
//   StreamSender sender(stub.get(), StreamSender::Options(), notice);
//   (then as BatchSender, see batch_sender.h)
#ifndef LOUPE_TOOLS_CLI_STREAM_SENDER_H_
#define LOUPE_TOOLS_CLI_STREAM_SENDER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "loupe/v1/ingest.grpc.pb.h"
#include "tools/cli/batch_sender.h"

namespace loupe::cli {

class StreamSender : public BatchSender {
 public:
  struct Options {
    int64_t stall_timeout_ms = 10000;
    int segment_batches = 20;
    size_t segment_bytes = 32 << 20;
    int max_retries = 10;
    absl::Duration initial_backoff = absl::Milliseconds(500);
    absl::Duration max_backoff = absl::Seconds(30);
  };
  StreamSender(loupe::v1::IngestService::Stub* stub, Options options, NoticeFunction notice);
  ~StreamSender() override;
  StreamSender(const StreamSender&) = delete;
  StreamSender& operator=(const StreamSender&) = delete;

  grpc::Status Send(IngestBatch batch) override;
  grpc::Status Flush() override;
  IngestTally tally() const override { return tally_; }
  const IngestBatch* failed_batch() const override { return failed_batch_.get(); }

 private:
  void OpenStream();
  bool WriteBatch(const IngestBatch& batch);
  grpc::Status FinishSegment();
  // Ends the open stream and returns its status (DEADLINE_EXCEEDED if stalled).
  grpc::Status CloseStream();
  void Kick();
  void WatchdogLoop();

  loupe::v1::IngestService::Stub* const stub_;
  const Options options_;
  const NoticeFunction notice_;

  std::deque<IngestBatch> pending_;  // written on the open stream, not acknowledged
  size_t pending_bytes_ = 0;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientWriter<loupe::v1::IngestRequest>> writer_;
  loupe::v1::IngestResponse response_;
  bool broken_ = false;  // a Write failed: the server ended the stream
  IngestTally tally_;
  std::unique_ptr<IngestBatch> failed_batch_;

  // Stall watchdog.
  absl::Mutex mutex_;
  grpc::ClientContext* watched_ ABSL_GUARDED_BY(mutex_) = nullptr;
  absl::Time last_progress_ ABSL_GUARDED_BY(mutex_);
  bool stalled_ ABSL_GUARDED_BY(mutex_) = false;
  bool shutdown_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread watchdog_;
};

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_STREAM_SENDER_H_
