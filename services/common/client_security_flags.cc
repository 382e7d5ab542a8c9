#include "services/common/client_security_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(bool, tls, false, "Connect with TLS (implied by --tls_ca or --tls_cert)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle that signs the server's certificate (default: the system's roots)");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate chain, for mutual TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name expected in the server's certificate (default: the host dialled)");

namespace loupe {

absl::StatusOr<ClientTls> ClientTlsFromFlags() {
  const std::string ca = absl::GetFlag(FLAGS_tls_ca);
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  const bool enabled = absl::GetFlag(FLAGS_tls) || !ca.empty() || !cert.empty();
  return LoadClientTls(enabled, ca, cert, absl::GetFlag(FLAGS_tls_key),
                       absl::GetFlag(FLAGS_tls_server_name));
}

}  // namespace loupe
