// Sends batches of documents to IngestService. Implementations:
// StreamSender (IngestStream, order preserved; the default) and
// ParallelSender (several unary Ingest calls in flight).
//
//   std::unique_ptr<BatchSender> sender = ...;
//   for (IngestBatch& batch : batches) {
//     grpc::Status status = sender->Send(std::move(batch));
//     if (!status.ok()) return Report(status, sender->failed_batch());
//   }
//   grpc::Status status = sender->Flush();
//   const IngestTally tally = sender->tally();
#ifndef LOUPE_TOOLS_CLI_BATCH_SENDER_H_
#define LOUPE_TOOLS_CLI_BATCH_SENDER_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/strings/string_view.h"
#include "loupe/v1/ingest.pb.h"

namespace loupe::cli {

// Where a document of a batch was read: index of its file and 1-based line.
struct DocumentOrigin {
  uint32_t file_index = 0;
  int64_t line = 0;
};

struct IngestBatch {
  loupe::v1::IngestRequest request;
  // One per document of `request`, same order.
  std::vector<DocumentOrigin> origins;
  // Serialized size of `request`, roughly.
  size_t bytes = 0;
};

// Outcomes of every acknowledged document.
struct IngestTally {
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  // Committed by a stream that then failed (its response has no results).
  int64_t committed_without_outcome = 0;
  // RESOURCE_EXHAUSTED retries.
  int64_t retries = 0;

  int64_t acknowledged() const {
    return created + updated + unchanged + committed_without_outcome;
  }
};

// Receives human-readable lines such as retry announcements.
using NoticeFunction = std::function<void(absl::string_view)>;

class BatchSender {
 public:
  virtual ~BatchSender() = default;
  // Hands over one batch; may block (flow control, a full pipeline, a retry).
  // After an error, the sender must not be used again.
  virtual grpc::Status Send(IngestBatch batch) = 0;
  // Waits until every batch handed over is acknowledged.
  virtual grpc::Status Flush() = 0;
  // Outcomes so far.
  virtual IngestTally tally() const = 0;
  // After an error: the batch it concerns (its "documents[i]" fields), or
  // null when that cannot be known.
  virtual const IngestBatch* failed_batch() const = 0;
};

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_BATCH_SENDER_H_
