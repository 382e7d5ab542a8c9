// Request parsing that turns malformed input into INVALID_ARGUMENT naming the
// field, instead of gRPC's generic INTERNAL "failed to parse request".
//
// Protobuf refuses to parse a proto3 `string` field that is not valid UTF-8,
// and gRPC then answers INTERNAL without saying which field. Handlers that
// take client text register their method as a raw callback method
// (ByteBuffer in, ByteBuffer out) and parse with ParseRequest, which reports
// "documents[3].body: is not valid UTF-8 (first bad byte at offset 17)".
//
//   class Impl : public v1::QueryService::WithRawCallbackMethod_Search<v1::QueryService::Service> {
//     grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* context,
//                                      const grpc::ByteBuffer* request,
//                                      grpc::ByteBuffer* response) override {
//       return ServeRawUnary<v1::SearchRequest, v1::SearchResponse>(
//           context, request, response,
//           [this](grpc::ServerContextBase& ctx, const v1::SearchRequest& in,
//                  v1::SearchResponse* out) { return DoSearch(ctx, in, out); });
//     }
//   };
#ifndef LOUPE_SERVICES_COMMON_RAW_REQUEST_H_
#define LOUPE_SERVICES_COMMON_RAW_REQUEST_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "services/common/status_util.h"

namespace loupe {

// Parses `bytes` into *message. On failure: INVALID_ARGUMENT with a
// google.rpc.BadRequest naming every string field that is not valid UTF-8
// (paths like "documents[0].tags[2].value"), or saying the bytes are not a
// message of that type at all.
absl::Status ParseRequest(const std::string& bytes, google::protobuf::Message* message);

// The bytes of a received ByteBuffer.
std::string ByteBufferToString(const grpc::ByteBuffer& buffer);

// Serialises a response message into a ByteBuffer.
grpc::Status MessageToByteBuffer(const google::protobuf::Message& message,
                                 grpc::ByteBuffer* buffer);

// Runs a unary handler on a raw callback method: parses the request with
// ParseRequest, calls `handler(context, request, &response)` (returning a
// grpc::Status) inline, and finishes the call.
template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* ServeRawUnary(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request_bytes,
                                        grpc::ByteBuffer* response_bytes, Handler&& handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Request request;
  absl::Status parsed = ParseRequest(ByteBufferToString(*request_bytes), &request);
  if (!parsed.ok()) {
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  Response response;
  grpc::Status status = handler(static_cast<grpc::ServerContextBase&>(*context), request, &response);
  if (status.ok()) status = MessageToByteBuffer(response, response_bytes);
  reactor->Finish(status);
  return reactor;
}

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_RAW_REQUEST_H_
