// Server credentials that add API-key checks to a plaintext or TLS port.
//
// gRPC 1.51 runs an auth metadata processor before any handler, for every
// kind of method (sync, callback, raw, streaming), but its C++ API refuses a
// processor on insecure credentials. These credentials build the core
// credentials themselves (insecure, or SSL with the client-certificate mode)
// and attach a processor through the C API, which core supports for both.
//
// The processor reads ":path" and "authorization: Bearer <key>":
//   - health and reflection: always allowed;
//   - no or malformed header, unknown key: UNAUTHENTICATED;
//   - known key whose role is too low (see api_keys.h): PERMISSION_DENIED;
//   - otherwise the call proceeds, without the authorization header (handlers
//     and interceptors never see the key).
// Refusals are logged with the key's name, never the key.
//
//   builder.AddListeningPort(address, MakeServerCredentials(tls, keys), &port);
#ifndef LOUPE_SERVICES_COMMON_AUTH_SERVER_CREDENTIALS_H_
#define LOUPE_SERVICES_COMMON_AUTH_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "services/common/api_keys.h"
#include "services/common/tls_options.h"

namespace loupe {

// Credentials for a listening port: TLS per `tls` (plaintext when disabled),
// and API keys checked when `api_keys` is not null.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const ServerTls& tls, std::shared_ptr<const ApiKeyStore> api_keys);

// The decision for one call, exposed for tests: OK, UNAUTHENTICATED or
// PERMISSION_DENIED with a message that names the key (never shows it).
struct AuthDecision {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
};
AuthDecision AuthorizeCall(const ApiKeyStore& keys, absl::string_view method_path,
                           const std::optional<absl::string_view>& authorization);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_AUTH_SERVER_CREDENTIALS_H_
