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

class IngestServiceImpl final : public loupe::v1::IngestService::Service {
 public:
  // Neither is owned; both must outlive the server.
  IngestServiceImpl(IngestEngine* engine, const Shipper* shipper)
      : engine_(engine), shipper_(shipper) {}

  grpc::Status Ingest(grpc::ServerContext* context, const loupe::v1::IngestRequest* request,
                      loupe::v1::IngestResponse* response) override;
  // Each message is one batch; on an error the stream ends with it, plus
  // ErrorInfo metadata committed_batches / committed_documents.
  grpc::Status IngestStream(grpc::ServerContext* context,
                            grpc::ServerReader<loupe::v1::IngestRequest>* reader,
                            loupe::v1::IngestResponse* response) override;
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
