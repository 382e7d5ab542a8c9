#include "services/ingest/shipper.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "loupe/v1/index.grpc.pb.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/status_util.h"

namespace loupe {

struct Shipper::ShardWorker {
  uint32_t shard = 0;
  std::unique_ptr<loupe::v1::IndexService::Stub> stub;

  mutable absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // Set by the engine's commit listener, cleared when the worker wakes.
  bool commit_pending ABSL_GUARDED_BY(mu) = false;
  std::string last_error ABSL_GUARDED_BY(mu);
};

absl::Status Shipper::Reconcile(ShardWorker* worker) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  loupe::v1::InfoResponse info;
  grpc::Status status = worker->stub->Info(&context, loupe::v1::InfoRequest(), &info);
  if (!status.ok()) {
    return FromGrpcStatus(status, absl::StrCat("index shard ", worker->shard, " at ",
                                               addresses_[worker->shard], " Info"));
  }
  if (info.shard_id() != worker->shard || info.shard_count() != engine_->shard_count()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server at ", addresses_[worker->shard], " is shard ", info.shard_id(), " of ",
        info.shard_count(), ", not shard ", worker->shard, " of ", engine_->shard_count()));
  }
  return engine_->ReconcileWithShard(worker->shard, info.applied_sequence());
}

Shipper::Shipper(IngestEngine* engine, std::vector<std::string> addresses,
                 const ShipperOptions& options)
    : engine_(engine), addresses_(std::move(addresses)), options_(options) {
  for (uint32_t shard = 0; shard < addresses_.size(); ++shard) {
    auto worker = std::make_unique<ShardWorker>();
    worker->shard = shard;
    worker->stub = loupe::v1::IndexService::NewStub(MakeInternalChannel(addresses_[shard]));
    workers_.push_back(std::move(worker));
  }
}

Shipper::~Shipper() { Stop(); }

void Shipper::Start() {
  engine_->SetCommitListener([this](uint32_t shard) {
    if (shard >= workers_.size()) return;
    ShardWorker& worker = *workers_[shard];
    absl::MutexLock lock(&worker.mu);
    worker.commit_pending = true;
  });
  for (auto& worker : workers_) threads_.emplace_back([this, w = worker.get()] { Run(w); });
}

void Shipper::Stop() {
  for (auto& worker : workers_) {
    absl::MutexLock lock(&worker->mu);
    worker->stopping = true;
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

std::string Shipper::last_error(uint32_t shard) const {
  const ShardWorker& worker = *workers_.at(shard);
  absl::MutexLock lock(&worker.mu);
  return worker.last_error;
}

void Shipper::Wait(ShardWorker* worker, absl::Duration duration, bool wake_on_commit) {
  absl::MutexLock lock(&worker->mu);
  auto woken = [worker, wake_on_commit]() ABSL_SHARED_LOCKS_REQUIRED(worker->mu) {
    return worker->stopping || (wake_on_commit && worker->commit_pending);
  };
  worker->mu.AwaitWithTimeout(absl::Condition(&woken), duration);
  worker->commit_pending = false;
}

absl::Status Shipper::ShipOnce(ShardWorker* worker, bool* shipped) {
  *shipped = false;
  // First contact since the engine opened: make sure new sequence numbers
  // are above whatever the shard already applied (see ReconcileWithShard).
  if (engine_->NeedsReconcile(worker->shard)) LOUPE_RETURN_IF_ERROR(Reconcile(worker));
  const ShardBacklog backlog = engine_->Backlog(worker->shard);
  if (backlog.last_sequence <= backlog.applied_sequence) return absl::OkStatus();
  absl::StatusOr<std::vector<loupe::v1::Operation>> operations = engine_->ReadOutbox(
      worker->shard, backlog.applied_sequence, options_.batch_size, options_.max_batch_bytes);
  if (!operations.ok()) return operations.status();
  if (operations->empty()) {
    return absl::DataLossError(absl::StrCat("outbox of shard ", worker->shard,
                                            " has no entry after sequence ",
                                            backlog.applied_sequence, " but last sequence is ",
                                            backlog.last_sequence));
  }
  loupe::v1::ApplyRequest request;
  request.set_shard_id(worker->shard);
  request.set_shard_count(engine_->shard_count());
  for (auto& operation : *operations) *request.add_operations() = std::move(operation);
  const uint64_t last_sent = request.operations(request.operations_size() - 1).sequence();

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  loupe::v1::ApplyResponse response;
  grpc::Status status = worker->stub->Apply(&context, request, &response);
  if (!status.ok()) {
    return FromGrpcStatus(status, absl::StrCat("index shard ", worker->shard, " at ",
                                               addresses_[worker->shard], " Apply"));
  }
  if (response.applied_sequence() < backlog.applied_sequence) {
    // The shard lost data that this outbox no longer holds: only a Reindex
    // repairs it. Keep going so new writes still reach it.
    LogWarning(absl::StrCat("index shard ", worker->shard, " reports applied sequence ",
                            response.applied_sequence(), " below the recorded ",
                            backlog.applied_sequence, "; it lost data: reindex it"));
  }
  LOUPE_RETURN_IF_ERROR(engine_->MarkApplied(worker->shard, response.applied_sequence()));
  if (response.applied_sequence() < last_sent) {
    return absl::InternalError(absl::StrCat("index shard ", worker->shard, " applied only up to ",
                                            response.applied_sequence(), " of a batch ending at ",
                                            last_sent));
  }
  *shipped = true;
  return absl::OkStatus();
}

void Shipper::Run(ShardWorker* worker) {
  std::mt19937_64 random(std::random_device{}() ^ worker->shard);
  absl::Duration backoff = options_.min_backoff;
  std::string logged_error;
  while (true) {
    {
      absl::MutexLock lock(&worker->mu);
      if (worker->stopping) break;
    }
    bool shipped = false;
    const absl::Status status = ShipOnce(worker, &shipped);
    if (status.ok()) {
      if (!logged_error.empty()) {
        LogInfo(absl::StrCat("index shard ", worker->shard, " at ", addresses_[worker->shard],
                             ": shipping again"));
        logged_error.clear();
      }
      {
        absl::MutexLock lock(&worker->mu);
        worker->last_error.clear();
      }
      backoff = options_.min_backoff;
      // More may be waiting: go again at once; otherwise sleep until a commit.
      if (!shipped) Wait(worker, options_.poll_interval, /*wake_on_commit=*/true);
      continue;
    }
    // Errors from Apply already name their gRPC code (FromGrpcStatus).
    const std::string error(status.message());
    if (error != logged_error) {
      LogError(absl::StrCat("ship: ", error, " (retrying with backoff)"));
      logged_error = error;
    }
    {
      absl::MutexLock lock(&worker->mu);
      worker->last_error = error;
    }
    // Full jitter on the upper half: [backoff/2, backoff].
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    Wait(worker, backoff * jitter(random), /*wake_on_commit=*/false);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace loupe
