// A client channel with TLS per ClientTls and, optionally, an API key sent as
// "authorization: Bearer <key>" on every call (a client interceptor, so it
// works for unary and streaming calls, over TLS or plaintext).
//
//   auto channel = MakeClientChannel("query.example:50052", tls, api_key);
//   auto stub = loupe::v1::QueryService::NewStub(channel);
#ifndef LOUPE_SERVICES_COMMON_CLIENT_CHANNEL_H_
#define LOUPE_SERVICES_COMMON_CLIENT_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/tls_options.h"

namespace loupe {

// `api_key` empty: no authorization metadata. Messages up to
// `max_message_bytes` each way.
std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& address, const ClientTls& tls,
                                                 absl::string_view api_key,
                                                 int max_message_bytes = 64 << 20);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_CLIENT_CHANNEL_H_
