#include "tools/cli/parallel_sender.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "tools/cli/connection.h"
#include "tools/cli/rpc_errors.h"

namespace loupe::cli {

ParallelSender::ParallelSender(loupe::v1::IngestService::Stub* stub, Options options,
                               NoticeFunction notice)
    : stub_(stub), options_(options), notice_(std::move(notice)) {
  for (int i = 0; i < std::max(1, options_.parallel); ++i) {
    workers_.emplace_back([this] { Worker(); });
  }
}

ParallelSender::~ParallelSender() {
  {
    absl::MutexLock lock(&mutex_);
    shutdown_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

grpc::Status ParallelSender::Send(IngestBatch batch) {
  absl::MutexLock lock(&mutex_);
  // At most `parallel` batches wait behind the ones in flight.
  const size_t capacity = static_cast<size_t>(std::max(1, options_.parallel));
  auto can_enqueue = [this, capacity, &batch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (!error_.ok()) return true;
    if (queue_.size() >= capacity) return false;
    for (const auto& document : batch.request.documents()) {
      if (!document.id().empty() && busy_ids_.contains(document.id())) return false;
    }
    return true;
  };
  mutex_.Await(absl::Condition(&can_enqueue));
  if (!error_.ok()) return error_;
  for (const auto& document : batch.request.documents()) {
    if (!document.id().empty()) ++busy_ids_[document.id()];
  }
  queue_.push_back(std::move(batch));
  return grpc::Status::OK;
}

grpc::Status ParallelSender::Flush() {
  absl::MutexLock lock(&mutex_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return queue_.empty() && running_ == 0;
  };
  mutex_.Await(absl::Condition(&idle));
  return error_;
}

IngestTally ParallelSender::tally() const {
  absl::MutexLock lock(&mutex_);
  return tally_;
}

const IngestBatch* ParallelSender::failed_batch() const {
  absl::MutexLock lock(&mutex_);
  return failed_batch_.get();
}

void ParallelSender::ReleaseIds(const IngestBatch& batch) {
  for (const auto& document : batch.request.documents()) {
    if (document.id().empty()) continue;
    auto it = busy_ids_.find(document.id());
    if (it != busy_ids_.end() && --it->second == 0) busy_ids_.erase(it);
  }
}

void ParallelSender::Worker() {
  while (true) {
    IngestBatch batch;
    {
      absl::MutexLock lock(&mutex_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return shutdown_ || !queue_.empty();
      };
      mutex_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // shutdown
      batch = std::move(queue_.front());
      queue_.pop_front();
      if (!error_.ok()) {  // stopped: drop what is queued
        ReleaseIds(batch);
        continue;
      }
      ++running_;
    }
    loupe::v1::IngestResponse response;
    const grpc::Status status = Ingest(batch, &response);
    absl::MutexLock lock(&mutex_);
    --running_;
    ReleaseIds(batch);
    if (!status.ok()) {
      if (error_.ok()) {
        error_ = status;
        failed_batch_ = std::make_unique<IngestBatch>(std::move(batch));
      }
      continue;
    }
    for (const auto& result : response.results()) {
      switch (result.outcome()) {
        case loupe::v1::INGEST_OUTCOME_CREATED: ++tally_.created; break;
        case loupe::v1::INGEST_OUTCOME_UPDATED: ++tally_.updated; break;
        case loupe::v1::INGEST_OUTCOME_UNCHANGED: ++tally_.unchanged; break;
        default: ++tally_.committed_without_outcome; break;
      }
    }
  }
}

grpc::Status ParallelSender::Ingest(const IngestBatch& batch,
                                    loupe::v1::IngestResponse* response) {
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 0;; ++attempt) {
    auto context = ContextWithTimeout(options_.timeout_ms);
    response->Clear();
    const grpc::Status status = stub_->Ingest(context.get(), batch.request, response);
    if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED ||
        attempt >= options_.max_retries) {
      return status;
    }
    {
      absl::MutexLock lock(&mutex_);
      ++tally_.retries;
    }
    notice_(absl::StrFormat("loupe: ingest: %s; retrying a batch in %s (attempt %d of %d)",
                            DescribeStatus(status), absl::FormatDuration(backoff), attempt + 1,
                            options_.max_retries));
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace loupe::cli
