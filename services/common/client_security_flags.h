// TLS flags of Loupe's clients (the `loupe` CLI, loupe-probe), each also
// LOUPE_<FLAG>. The names match the services' flags on purpose: inside a pod,
// a probe inherits LOUPE_TLS_CA/CERT/KEY and so trusts the same CA and
// presents the pod's own certificate. Never link with security_flags.cc (the
// linker refuses the duplicate flags).
//
//   --tls               use TLS (implied by --tls_ca or --tls_cert)
//   --tls_ca            CA bundle of the server's certificate (default: system roots)
//   --tls_cert, --tls_key   client certificate and key, for mutual TLS
//   --tls_server_name   name expected in the server's certificate (default: the host)
//
//   absl::StatusOr<ClientTls> tls = ClientTlsFromFlags();
#ifndef LOUPE_SERVICES_COMMON_CLIENT_SECURITY_FLAGS_H_
#define LOUPE_SERVICES_COMMON_CLIENT_SECURITY_FLAGS_H_

#include "absl/status/statusor.h"
#include "services/common/tls_options.h"

namespace loupe {

// Reads the files the flags name; errors name the flag.
absl::StatusOr<ClientTls> ClientTlsFromFlags();

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_CLIENT_SECURITY_FLAGS_H_
