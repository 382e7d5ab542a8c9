// Shipper: drains loupe-ingest's outbox to the index shards, one thread per
// shard.
//
// Each thread reads up to `batch_size` outbox operations after the shard's
// applied sequence (bounded to `max_batch_bytes`), sends them with
// IndexService.Apply (deadline `timeout`), and on success records the
// applied sequence the shard reports and trims the outbox up to it
// (IngestEngine::MarkApplied). On failure it records the error (see
// last_error), logs it once per distinct error rather than per retry, and
// retries with exponential backoff from 100 ms to 5 s with jitter. A commit
// in the engine wakes the shard's thread at once; otherwise it polls every
// 200 ms. After a restart it continues from the stored applied sequence: the
// outbox survives, and the shard skips operations it already applied. Before
// the first Apply after the engine opened, it asks the shard for its applied
// sequence (Info) so that the engine never reuses sequence numbers the shard
// already holds (IngestEngine::ReconcileWithShard; matters after a restore).
//
//   Shipper shipper(engine.get(), {"127.0.0.1:50061", "127.0.0.1:50062"}, ShipperOptions());
//   shipper.Start();
//   ...
//   shipper.Stop();  // Joins the threads; call before the engine closes.
#ifndef LOUPE_SERVICES_INGEST_SHIPPER_H_
#define LOUPE_SERVICES_INGEST_SHIPPER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/ingest/ingest_engine.h"

namespace loupe {

struct ShipperOptions {
  // --ship_batch_size (<= 10,000). Large batches let a shard rewrite each
  // term record once for many documents: on 100k Wikipedia passages, 500
  // -> 5,000 took end-to-end ingest from 5,874 to 8,675 passages/s.
  size_t batch_size = 5000;
  size_t max_batch_bytes = 32 << 20;             // Below the 64 MiB message limit.
  absl::Duration timeout = absl::Seconds(10);    // --ship_timeout_ms
  absl::Duration poll_interval = absl::Milliseconds(200);
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

class Shipper {
 public:
  // `addresses[i]` is index shard i; there must be engine->shard_count() of
  // them. The engine must outlive the shipper.
  Shipper(IngestEngine* engine, std::vector<std::string> addresses, const ShipperOptions& options);
  ~Shipper();  // Stops if still running.

  void Start();
  // Wakes and joins every thread. Idempotent.
  void Stop();

  const std::string& address(uint32_t shard) const { return addresses_.at(shard); }
  // The last shipping error of `shard`, "" when its last attempt succeeded.
  std::string last_error(uint32_t shard) const;

 private:
  struct ShardWorker;

  void Run(ShardWorker* worker);
  // Reads the shard's applied sequence (IndexService.Info, checking its
  // identity) and hands it to IngestEngine::ReconcileWithShard.
  absl::Status Reconcile(ShardWorker* worker);
  // One Apply round; OK when it shipped something or there was nothing to do.
  absl::Status ShipOnce(ShardWorker* worker, bool* shipped);
  // Sleeps up to `duration` or until woken (commit) or stopped.
  void Wait(ShardWorker* worker, absl::Duration duration, bool wake_on_commit);

  IngestEngine* const engine_;
  const std::vector<std::string> addresses_;
  const ShipperOptions options_;
  std::vector<std::unique_ptr<ShardWorker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_SHIPPER_H_
