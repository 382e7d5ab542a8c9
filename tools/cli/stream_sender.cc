#include "tools/cli/stream_sender.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/cli/rpc_errors.h"

namespace loupe::cli {
namespace {

constexpr absl::Duration kWatchdogTick = absl::Milliseconds(100);

// Batches of the failed stream that the server committed (0 when not said).
size_t CommittedBatches(const grpc::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  if (!info) return 0;
  auto it = info->metadata().find("committed_batches");
  size_t committed = 0;
  if (it == info->metadata().end() || !absl::SimpleAtoi(it->second, &committed)) return 0;
  return committed;
}

}  // namespace

StreamSender::StreamSender(loupe::v1::IngestService::Stub* stub, Options options,
                         NoticeFunction notice)
    : stub_(stub), options_(options), notice_(std::move(notice)) {
  watchdog_ = std::thread([this] { WatchdogLoop(); });
}

StreamSender::~StreamSender() {
  if (writer_ != nullptr) {
    context_->TryCancel();
    CloseStream();
  }
  {
    absl::MutexLock lock(&mutex_);
    shutdown_ = true;
  }
  watchdog_.join();
}

void StreamSender::WatchdogLoop() {
  const absl::Duration stall = absl::Milliseconds(options_.stall_timeout_ms);
  absl::MutexLock lock(&mutex_);
  while (!shutdown_) {
    mutex_.AwaitWithTimeout(absl::Condition(&shutdown_), kWatchdogTick);
    if (watched_ != nullptr && absl::Now() - last_progress_ > stall) {
      watched_->TryCancel();
      watched_ = nullptr;
      stalled_ = true;
    }
  }
}

void StreamSender::Kick() {
  absl::MutexLock lock(&mutex_);
  last_progress_ = absl::Now();
}

void StreamSender::OpenStream() {
  context_ = std::make_unique<grpc::ClientContext>();
  response_.Clear();
  broken_ = false;
  {
    absl::MutexLock lock(&mutex_);
    watched_ = context_.get();
    last_progress_ = absl::Now();
    stalled_ = false;
  }
  writer_ = stub_->IngestStream(context_.get(), &response_);
}

bool StreamSender::WriteBatch(const IngestBatch& batch) {
  if (!writer_->Write(batch.request)) return false;
  Kick();
  return true;
}

grpc::Status StreamSender::CloseStream() {
  if (!broken_) writer_->WritesDone();
  Kick();  // the server gets stall_timeout_ms to commit what is in flight
  grpc::Status status = writer_->Finish();
  bool stalled;
  {
    absl::MutexLock lock(&mutex_);
    watched_ = nullptr;
    stalled = stalled_;
  }
  writer_.reset();
  context_.reset();
  if (stalled && !status.ok()) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        absl::StrCat("no progress on the ingest stream for ",
                                     options_.stall_timeout_ms, " ms (--timeout_ms)"));
  }
  return status;
}

grpc::Status StreamSender::Send(IngestBatch batch) {
  failed_batch_.reset();
  pending_bytes_ += batch.bytes;
  pending_.push_back(std::move(batch));
  if (writer_ == nullptr) OpenStream();
  if (!broken_ && !WriteBatch(pending_.back())) broken_ = true;
  if (broken_ || static_cast<int>(pending_.size()) >= options_.segment_batches ||
      pending_bytes_ >= options_.segment_bytes) {
    return FinishSegment();
  }
  return grpc::Status::OK;
}

grpc::Status StreamSender::Flush() {
  failed_batch_.reset();
  if (writer_ == nullptr && pending_.empty()) return grpc::Status::OK;
  return FinishSegment();
}

grpc::Status StreamSender::FinishSegment() {
  int attempt = 0;
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    if (writer_ == nullptr) {  // a retry: send what is left on a new stream
      OpenStream();
      for (const IngestBatch& batch : pending_) {
        if (!WriteBatch(batch)) {
          broken_ = true;
          break;
        }
      }
    }
    const grpc::Status status = CloseStream();
    if (status.ok()) {
      for (const auto& result : response_.results()) {
        switch (result.outcome()) {
          case loupe::v1::INGEST_OUTCOME_CREATED: ++tally_.created; break;
          case loupe::v1::INGEST_OUTCOME_UPDATED: ++tally_.updated; break;
          case loupe::v1::INGEST_OUTCOME_UNCHANGED: ++tally_.unchanged; break;
          default: ++tally_.committed_without_outcome; break;
        }
      }
      pending_.clear();
      pending_bytes_ = 0;
      return status;
    }
    const bool knows_committed = ErrorInfoOf(status).has_value();
    const size_t committed = std::min(CommittedBatches(status), pending_.size());
    for (size_t i = 0; i < committed; ++i) {
      tally_.committed_without_outcome += pending_.front().request.documents_size();
      pending_bytes_ -= pending_.front().bytes;
      pending_.pop_front();
    }
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
        attempt < options_.max_retries && !pending_.empty()) {
      ++attempt;
      ++tally_.retries;
      notice_(absl::StrFormat(
          "loupe: ingest: %s; retrying %d batch(es) in %s (attempt %d of %d)",
          DescribeStatus(status), pending_.size(), absl::FormatDuration(backoff), attempt,
          options_.max_retries));
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    // The refused batch is the first one not committed, when the server said
    // how many were (or when there was only one).
    if (!pending_.empty() && (knows_committed || pending_.size() == 1)) {
      failed_batch_ = std::make_unique<IngestBatch>(std::move(pending_.front()));
    }
    pending_.clear();
    pending_bytes_ = 0;
    return status;
  }
}

}  // namespace loupe::cli
