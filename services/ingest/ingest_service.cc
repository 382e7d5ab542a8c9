#include "services/ingest/ingest_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/raw_request.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

// Adds metadata to the status's google.rpc.ErrorInfo, creating one (reason
// INGEST_STREAM_ABORTED) when the error carries none yet.
void AddStreamProgress(absl::Status& status, int64_t batches, int64_t documents) {
  google::rpc::ErrorInfo info;
  auto existing = status.GetPayload(kErrorInfoTypeUrl);
  if (!existing.has_value() || !info.ParseFromString(std::string(*existing))) {
    info.Clear();
    info.set_reason("INGEST_STREAM_ABORTED");
  }
  std::vector<std::pair<std::string, std::string>> metadata(info.metadata().begin(),
                                                            info.metadata().end());
  metadata.emplace_back("committed_batches", std::to_string(batches));
  metadata.emplace_back("committed_documents", std::to_string(documents));
  AttachErrorInfo(status, info.reason(), metadata);
}

// The status that ends a stream at batch `batches + 1`: the batch's own error,
// saying how much of the stream was committed before it.
absl::Status StreamBatchError(const absl::Status& batch_status, int64_t batches,
                              int64_t documents) {
  absl::Status status(batch_status.code(),
                      absl::StrCat("batch ", batches + 1, " of the stream: ",
                                   batch_status.message(), " (", batches,
                                   " batches committed before it)"));
  batch_status.ForEachPayload([&status](absl::string_view url, const absl::Cord& payload) {
    status.SetPayload(url, payload);
  });
  AddStreamProgress(status, batches, documents);
  return status;
}

// Reads the batches of one IngestStream call, committing each as it arrives.
class IngestStreamReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  IngestStreamReactor(IngestEngine* engine, grpc::ByteBuffer* response_bytes)
      : engine_(engine), response_bytes_(response_bytes) {
    StartRead(&request_bytes_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side: every batch is committed
      Finish(MessageToByteBuffer(response_, response_bytes_));
      return;
    }
    loupe::v1::IngestRequest request;
    absl::Status status = ParseRequest(ByteBufferToString(request_bytes_), &request);
    absl::StatusOr<loupe::v1::IngestResponse> result =
        status.ok() ? engine_->Ingest(request.documents()) : status;
    if (!result.ok()) {
      Finish(ToGrpcStatus(StreamBatchError(result.status(), batches_, documents_)));
      return;
    }
    ++batches_;
    documents_ += result->results_size();
    for (auto& item : *result->mutable_results()) *response_.add_results() = std::move(item);
    StartRead(&request_bytes_);
  }

  void OnDone() override { delete this; }

 private:
  IngestEngine* const engine_;
  grpc::ByteBuffer* const response_bytes_;
  grpc::ByteBuffer request_bytes_;
  loupe::v1::IngestResponse response_;
  int64_t batches_ = 0;
  int64_t documents_ = 0;
};

}  // namespace

grpc::ServerUnaryReactor* IngestServiceImpl::Ingest(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return ServeRawUnary<loupe::v1::IngestRequest, loupe::v1::IngestResponse>(
      context, request, response,
      [this](grpc::ServerContextBase&, const loupe::v1::IngestRequest& in,
             loupe::v1::IngestResponse* out) {
        absl::StatusOr<loupe::v1::IngestResponse> result = engine_->Ingest(in.documents());
        if (!result.ok()) return ToGrpcStatus(result.status());
        *out = *std::move(result);
        return grpc::Status::OK;
      });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* IngestServiceImpl::IngestStream(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return new IngestStreamReactor(engine_, response);
}

grpc::Status IngestServiceImpl::Delete(grpc::ServerContext* context,
                                       const loupe::v1::DeleteRequest* request,
                                       loupe::v1::DeleteResponse* response) {
  absl::StatusOr<loupe::v1::DeleteResponse> result = engine_->Delete(request->ids());
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status IngestServiceImpl::Get(grpc::ServerContext* context,
                                    const loupe::v1::GetRequest* request,
                                    loupe::v1::GetResponse* response) {
  absl::StatusOr<loupe::v1::GetResponse> result = engine_->Get(request->id());
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status IngestServiceImpl::Status(grpc::ServerContext* context,
                                       const loupe::v1::IngestStatusRequest* request,
                                       loupe::v1::IngestStatusResponse* response) {
  response->set_shard_count(engine_->shard_count());
  response->set_document_count(engine_->document_count());
  for (uint32_t shard = 0; shard < engine_->shard_count(); ++shard) {
    const ShardBacklog backlog = engine_->Backlog(shard);
    loupe::v1::ShardShippingStatus* status = response->add_shards();
    status->set_shard(shard);
    status->set_address(shipper_->address(shard));
    status->set_last_sequence(backlog.last_sequence);
    status->set_applied_sequence(backlog.applied_sequence);
    status->set_backlog(backlog.last_sequence - backlog.applied_sequence);
    status->set_backlog_limit(engine_->max_backlog());
    status->set_last_error(shipper_->last_error(shard));
    status->set_oldest_unshipped_age_ms(backlog.oldest_unshipped_age_ms);
  }
  return grpc::Status::OK;
}

}  // namespace loupe
