#include "services/common/tls_options.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace loupe {

absl::StatusOr<ClientCertMode> ParseClientCertMode(absl::string_view text) {
  if (text == "none") return ClientCertMode::kNone;
  if (text == "request") return ClientCertMode::kRequest;
  if (text == "require") return ClientCertMode::kRequire;
  return absl::InvalidArgumentError(
      absl::StrCat("--tls_client_auth=", text, ": want none, request or require"));
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view flag) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::InvalidArgumentError(absl::StrCat(flag, "=", path, ": cannot read"));
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string pem = contents.str();
  if (!absl::StrContains(pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(flag, "=", path, ": not a PEM file"));
  }
  return pem;
}

absl::StatusOr<ServerTls> LoadServerTls(const std::string& cert_file, const std::string& key_file,
                                        const std::string& ca_file,
                                        absl::string_view client_auth) {
  absl::StatusOr<ClientCertMode> mode = ParseClientCertMode(client_auth);
  if (!mode.ok()) return mode.status();
  ServerTls tls;
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (cert_file.empty()) {
    if (*mode != ClientCertMode::kNone) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_client_auth=", client_auth, " needs --tls_cert and --tls_key"));
    }
    return tls;  // plaintext
  }
  tls.enabled = true;
  tls.client_auth = *mode;
  absl::StatusOr<std::string> cert = ReadPemFile(cert_file, "--tls_cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPemFile(key_file, "--tls_key");
  if (!key.ok()) return key.status();
  tls.cert_chain_pem = *std::move(cert);
  tls.private_key_pem = *std::move(key);
  if (*mode != ClientCertMode::kNone) {
    if (ca_file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_client_auth=", client_auth, " needs --tls_ca (the CA of client certificates)"));
    }
    absl::StatusOr<std::string> ca = ReadPemFile(ca_file, "--tls_ca");
    if (!ca.ok()) return ca.status();
    tls.client_ca_pem = *std::move(ca);
  }
  return tls;
}

absl::StatusOr<ClientTls> LoadClientTls(bool enabled, const std::string& ca_file,
                                        const std::string& cert_file, const std::string& key_file,
                                        const std::string& server_name,
                                        absl::string_view flag_prefix) {
  ClientTls tls;
  if (!enabled) return tls;
  tls.enabled = true;
  tls.server_name = server_name;
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag_prefix, "cert and ", flag_prefix, "key go together"));
  }
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPemFile(ca_file, absl::StrCat(flag_prefix, "ca"));
    if (!ca.ok()) return ca.status();
    tls.ca_pem = *std::move(ca);
  }
  if (!cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPemFile(cert_file, absl::StrCat(flag_prefix, "cert"));
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPemFile(key_file, absl::StrCat(flag_prefix, "key"));
    if (!key.ok()) return key.status();
    tls.cert_chain_pem = *std::move(cert);
    tls.private_key_pem = *std::move(key);
  }
  return tls;
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const ClientTls& tls,
                                                                grpc::ChannelArguments* args) {
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  if (!tls.server_name.empty()) args->SetSslTargetNameOverride(tls.server_name);
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_cert_chain = tls.cert_chain_pem;
  options.pem_private_key = tls.private_key_pem;
  return grpc::SslCredentials(options);
}

}  // namespace loupe
