// TLS material for servers and clients, read from PEM files named by flags,
// and the gRPC channel credentials built from it. No flags here: see
// security_flags.h (services) and client_security_flags.h (CLI, probe).
//
// Server side: --tls_cert/--tls_key turn TLS on; --tls_ca verifies client
// certificates as --tls_client_auth says (none, request, require = mutual TLS).
// Client side: the CA that signs the server's certificate (empty: the system
// roots), an optional client certificate for mutual TLS, and an optional
// name to expect in the server's certificate instead of the dialled host.
//
//   absl::StatusOr<ServerTls> tls = LoadServerTls(cert, key, ca, "require");
//   absl::StatusOr<ClientTls> client = LoadClientTls(true, ca, cert, key, "");
//   grpc::ChannelArguments args;
//   auto channel = grpc::CreateCustomChannel(address, ChannelCredentialsFor(*client, &args), args);
#ifndef LOUPE_SERVICES_COMMON_TLS_OPTIONS_H_
#define LOUPE_SERVICES_COMMON_TLS_OPTIONS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loupe {

// Whether a TLS server asks its clients for a certificate.
enum class ClientCertMode {
  kNone,     // never asks
  kRequest,  // asks; a certificate that is sent must verify against the CA
  kRequire,  // mutual TLS: no verified certificate, no connection
};

// "none", "request", "require".
absl::StatusOr<ClientCertMode> ParseClientCertMode(absl::string_view text);

struct ServerTls {
  bool enabled = false;  // false: plaintext
  std::string cert_chain_pem;
  std::string private_key_pem;
  std::string client_ca_pem;  // empty unless client certificates are checked
  ClientCertMode client_auth = ClientCertMode::kNone;
};

// Reads the server's PEM files. All empty: TLS off (plaintext). Checks that
// cert and key come together, that `request`/`require` have a CA, and that
// each file reads and looks like PEM. Errors name the flag.
absl::StatusOr<ServerTls> LoadServerTls(const std::string& cert_file, const std::string& key_file,
                                        const std::string& ca_file,
                                        absl::string_view client_auth);

struct ClientTls {
  bool enabled = false;        // false: plaintext
  std::string ca_pem;          // empty: the system's root certificates
  std::string cert_chain_pem;  // client certificate for mutual TLS, or empty
  std::string private_key_pem;
  std::string server_name;  // expected in the server's certificate; empty: the host
};

// Reads a client's PEM files; `enabled` false with every file empty is
// plaintext. Flag names in errors are `flag_prefix` + "cert", "key", "ca".
absl::StatusOr<ClientTls> LoadClientTls(bool enabled, const std::string& ca_file,
                                        const std::string& cert_file, const std::string& key_file,
                                        const std::string& server_name,
                                        absl::string_view flag_prefix = "--tls_");

// Channel credentials for `tls` (insecure when disabled); sets the expected
// server name on `args` when one is given.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const ClientTls& tls,
                                                                grpc::ChannelArguments* args);

// The contents of a PEM file; fails when it cannot be read or holds no PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view flag);

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_TLS_OPTIONS_H_
