#include "services/ingest/ingest_service.h"

#include "absl/strings/str_cat.h"
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

}  // namespace

grpc::Status IngestServiceImpl::Ingest(grpc::ServerContext* context,
                                       const loupe::v1::IngestRequest* request,
                                       loupe::v1::IngestResponse* response) {
  absl::StatusOr<loupe::v1::IngestResponse> result = engine_->Ingest(request->documents());
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status IngestServiceImpl::IngestStream(grpc::ServerContext* context,
                                             grpc::ServerReader<loupe::v1::IngestRequest>* reader,
                                             loupe::v1::IngestResponse* response) {
  loupe::v1::IngestRequest request;
  int64_t batches = 0;
  int64_t documents = 0;
  while (reader->Read(&request)) {
    absl::StatusOr<loupe::v1::IngestResponse> result = engine_->Ingest(request.documents());
    if (!result.ok()) {
      absl::Status status = result.status();
      status = absl::Status(status.code(), absl::StrCat("batch ", batches + 1, " of the stream: ",
                                                        status.message(), " (", batches,
                                                        " batches committed before it)"));
      result.status().ForEachPayload([&status](absl::string_view url, const absl::Cord& payload) {
        status.SetPayload(url, payload);
      });
      AddStreamProgress(status, batches, documents);
      return ToGrpcStatus(status);
    }
    ++batches;
    documents += result->results_size();
    for (auto& item : *result->mutable_results()) *response->add_results() = std::move(item);
  }
  if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
  return grpc::Status::OK;
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
