// IngestServiceImpl: the gRPC handler of loupe.v1.IngestService. Thin: it
// turns requests into IngestEngine calls and absl::Status into grpc::Status
// (with google.rpc details), and adds the shipper's view (addresses, last
// errors) to Status.
//
//   IngestServiceImpl service(engine.get(), &shipper);
//   loupe::ServeUntilSignal(options, {&service}, [&] { shipper.Stop(); });
#ifndef LOUPE_SERVICES_INGEST_INGEST_SERVICE_H_
#define LOUPE_SERVICES_INGEST_INGEST_SERVICE_H_

#include "loupe/v1/ingest.grpc.pb.h"
#include "services/ingest/ingest_engine.h"
#include "services/ingest/shipper.h"

namespace loupe {

// Ingest and IngestStream are raw callback methods so that a document with
// invalid UTF-8 gets INVALID_ARGUMENT naming the field (see raw_request.h)
// rather than gRPC's INTERNAL parse failure.
using IngestServiceBase = loupe::v1::IngestService::WithRawCallbackMethod_Ingest<
    loupe::v1::IngestService::WithRawCallbackMethod_IngestStream<
        loupe::v1::IngestService::Service>>;

class IngestServiceImpl final : public IngestServiceBase {
 public:
  // Neither is owned; both must outlive the server.
  IngestServiceImpl(IngestEngine* engine, const Shipper* shipper)
      : engine_(engine), shipper_(shipper) {}

  grpc::ServerUnaryReactor* Ingest(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  // Each message is one batch; on an error the stream ends with it, plus
  // ErrorInfo metadata committed_batches / committed_documents.
  grpc::ServerReadReactor<grpc::ByteBuffer>* IngestStream(grpc::CallbackServerContext* context,
                                                          grpc::ByteBuffer* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const loupe::v1::DeleteRequest* request,
                      loupe::v1::DeleteResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const loupe::v1::GetRequest* request,
                   loupe::v1::GetResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const loupe::v1::IngestStatusRequest* request,
                      loupe::v1::IngestStatusResponse* response) override;

 private:
  IngestEngine* const engine_;
  const Shipper* const shipper_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_INGEST_SERVICE_H_
