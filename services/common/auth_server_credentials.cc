#include "services/common/auth_server_credentials.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace loupe {
namespace {

absl::string_view SliceView(const grpc_slice& slice) {
  return absl::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                           GRPC_SLICE_LENGTH(slice));
}

// gRPC core's processor callback. `state` is a heap shared_ptr to the key
// store, deleted by DestroyProcessorState when core drops the credentials.
void ProcessAuthMetadata(void* state, grpc_auth_context* /*context*/, const grpc_metadata* md,
                         size_t num_md, grpc_process_auth_metadata_done_cb done,
                         void* user_data) {
  const auto& keys = *static_cast<std::shared_ptr<const ApiKeyStore>*>(state);
  absl::string_view path;
  std::optional<absl::string_view> authorization;
  const grpc_metadata* authorization_md = nullptr;
  for (size_t i = 0; i < num_md; ++i) {
    const absl::string_view key = SliceView(md[i].key);
    if (key == ":path") path = SliceView(md[i].value);
    if (key == "authorization") {
      authorization = SliceView(md[i].value);
      authorization_md = &md[i];
    }
  }
  const AuthDecision decision = AuthorizeCall(*keys, path, authorization);
  if (decision.code != grpc::StatusCode::OK) {
    LogWarning(absl::StrCat("refused ", path, ": ", decision.message));
    done(user_data, nullptr, 0, nullptr, 0, static_cast<grpc_status_code>(decision.code),
         decision.message.c_str());
    return;
  }
  // Consumed metadata is removed before the call reaches handlers.
  done(user_data, authorization_md, authorization_md != nullptr ? 1 : 0, nullptr, 0,
       GRPC_STATUS_OK, nullptr);
}

void DestroyProcessorState(void* state) {
  delete static_cast<std::shared_ptr<const ApiKeyStore>*>(state);
}

class AuthServerCredentials final : public grpc::ServerCredentials {
 public:
  AuthServerCredentials(ServerTls tls, std::shared_ptr<const ApiKeyStore> api_keys)
      : tls_(std::move(tls)), api_keys_(std::move(api_keys)) {}

  // Only our own processor is supported; nothing in Loupe calls this.
  void SetAuthMetadataProcessor(
      const std::shared_ptr<grpc::AuthMetadataProcessor>& /*processor*/) override {
    LogError("AuthServerCredentials: SetAuthMetadataProcessor is not supported");
    std::abort();
  }

 private:
  int AddPortToServer(const std::string& address, grpc_server* server) override {
    grpc_server_credentials* credentials = CoreCredentials();
    if (api_keys_ != nullptr) {
      grpc_auth_metadata_processor processor;
      processor.process = ProcessAuthMetadata;
      processor.destroy = DestroyProcessorState;
      processor.state = new std::shared_ptr<const ApiKeyStore>(api_keys_);
      grpc_server_credentials_set_auth_metadata_processor(credentials, processor);
    }
    const int port = grpc_server_add_http2_port(server, address.c_str(), credentials);
    grpc_server_credentials_release(credentials);
    return port;
  }

  grpc_server_credentials* CoreCredentials() const {
    if (!tls_.enabled) return grpc_insecure_server_credentials_create();
    grpc_ssl_pem_key_cert_pair pair = {tls_.private_key_pem.c_str(),
                                       tls_.cert_chain_pem.c_str()};
    grpc_ssl_client_certificate_request_type request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    if (tls_.client_auth == ClientCertMode::kRequest) {
      request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
    } else if (tls_.client_auth == ClientCertMode::kRequire) {
      request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    return grpc_ssl_server_credentials_create_ex(
        tls_.client_ca_pem.empty() ? nullptr : tls_.client_ca_pem.c_str(), &pair, 1, request,
        nullptr);
  }

  const ServerTls tls_;
  const std::shared_ptr<const ApiKeyStore> api_keys_;
};

}  // namespace

AuthDecision AuthorizeCall(const ApiKeyStore& keys, absl::string_view method_path,
                           const std::optional<absl::string_view>& authorization) {
  const std::optional<Role> needed = RequiredRole(method_path);
  if (!needed) return {};
  if (!authorization) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "missing API key: send metadata 'authorization: Bearer <key>'"};
  }
  const std::optional<absl::string_view> token = BearerToken(*authorization);
  if (!token) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "malformed authorization metadata: want 'Bearer <key>'"};
  }
  const ApiKey* key = keys.Find(*token);
  if (key == nullptr) return {grpc::StatusCode::UNAUTHENTICATED, "unknown API key"};
  if (!RoleAllows(key->role, *needed)) {
    return {grpc::StatusCode::PERMISSION_DENIED,
            absl::StrCat("API key '", key->name, "' has role ", RoleName(key->role), "; ",
                         method_path.empty() ? "this method" : method_path, " needs role ",
                         RoleName(*needed))};
  }
  return {};
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const ServerTls& tls, std::shared_ptr<const ApiKeyStore> api_keys) {
  return std::make_shared<AuthServerCredentials>(tls, std::move(api_keys));
}

}  // namespace loupe
