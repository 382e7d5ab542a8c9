#include "services/common/security_flags.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of this service; with --tls_key, the gRPC port speaks TLS only "
          "(also the client certificate of internal calls)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle trusted for peers: verifies client certificates (--tls_client_auth) "
          "and, with --internal_tls, the index shards' certificates");
ABSL_FLAG(std::string, tls_client_auth, "none",
          "Client certificates on the TLS port: none, request (verified when sent) or require "
          "(mutual TLS)");
ABSL_FLAG(bool, internal_tls, false,
          "Calls to the index shards use TLS (verified with --tls_ca, presenting --tls_cert)");
ABSL_FLAG(std::string, internal_tls_server_name, "",
          "Name expected in the index shards' certificates; default: the host of each address");
ABSL_FLAG(std::string, api_keys_file, "",
          "File of API keys, one per line: ROLE SHA256_HEX NAME (role read|write|admin; "
          "loupe-keys makes lines); set: every RPC but health and reflection needs a key");
ABSL_FLAG(bool, reflection, true, "Serve gRPC server reflection (grpcurl list/describe)");
ABSL_FLAG(std::string, health_listen, "",
          "host:port of an extra plaintext port serving only grpc.health.v1.Health, for "
          "Kubernetes gRPC probes when the main port uses TLS; empty: off");

namespace loupe {

absl::StatusOr<ServerSecurity> ServerSecurityFromFlags() {
  ServerSecurity security;
  absl::StatusOr<ServerTls> tls =
      LoadServerTls(absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                    absl::GetFlag(FLAGS_tls_ca), absl::GetFlag(FLAGS_tls_client_auth));
  if (!tls.ok()) return tls.status();
  security.tls = *std::move(tls);
  security.reflection = absl::GetFlag(FLAGS_reflection);
  security.health_listen = absl::GetFlag(FLAGS_health_listen);
  security.api_keys_file = absl::GetFlag(FLAGS_api_keys_file);
  if (!security.api_keys_file.empty()) {
    std::ifstream file(security.api_keys_file, std::ios::binary);
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrCat("--api_keys_file=", security.api_keys_file, ": cannot read"));
    }
    std::ostringstream text;
    text << file.rdbuf();
    absl::StatusOr<ApiKeyStore> keys = ApiKeyStore::Parse(text.str());
    if (!keys.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--api_keys_file=", security.api_keys_file, ": ", keys.status().message()));
    }
    security.api_keys = std::make_shared<const ApiKeyStore>(*std::move(keys));
  }
  return security;
}

absl::StatusOr<ClientTls> InternalClientTlsFromFlags() {
  return LoadClientTls(absl::GetFlag(FLAGS_internal_tls), absl::GetFlag(FLAGS_tls_ca),
                       absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                       absl::GetFlag(FLAGS_internal_tls_server_name));
}

}  // namespace loupe
