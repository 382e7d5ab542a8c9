// Security flags shared by the three services (each also LOUPE_<FLAG>):
//
//   --tls_cert, --tls_key   this service's certificate chain and key (PEM);
//                           set: the gRPC port speaks TLS only. It is also the
//                           client certificate of internal calls (mutual TLS).
//   --tls_ca                CA bundle trusted for peers: verifies client
//                           certificates (--tls_client_auth) and, with
//                           --internal_tls, the index shards' certificates.
//   --tls_client_auth       none | request | require (mutual TLS).
//   --internal_tls          calls to the index shards use TLS.
//   --internal_tls_server_name  name expected in the shards' certificates
//                           (default: the host of each shard address).
//   --api_keys_file         key file (see api_keys.h); set: every RPC but
//                           health and reflection needs a key with its role.
//   --reflection            serve gRPC server reflection (default true).
//   --health_listen         extra plaintext port serving only
//                           grpc.health.v1.Health (Kubernetes gRPC probes
//                           cannot speak TLS); default off.
//
//   absl::StatusOr<ServerSecurity> security = ServerSecurityFromFlags();
//   absl::StatusOr<ClientTls> internal = InternalClientTlsFromFlags();
#ifndef LOUPE_SERVICES_COMMON_SECURITY_FLAGS_H_
#define LOUPE_SERVICES_COMMON_SECURITY_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/api_keys.h"
#include "services/common/tls_options.h"

namespace loupe {

struct ServerSecurity {
  ServerTls tls;
  std::shared_ptr<const ApiKeyStore> api_keys;  // null: no keys needed
  std::string api_keys_file;
  bool reflection = true;
  std::string health_listen;  // empty: no plaintext health port
};

// Reads and checks the files the flags name. Errors name the flag.
absl::StatusOr<ServerSecurity> ServerSecurityFromFlags();

// TLS of this service's calls to the index shards (plaintext unless
// --internal_tls): --tls_ca verifies them, --tls_cert/--tls_key is presented.
absl::StatusOr<ClientTls> InternalClientTlsFromFlags();

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_SECURITY_FLAGS_H_
