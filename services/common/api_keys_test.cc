#include "services/common/api_keys.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth_server_credentials.h"

namespace loupe {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(GenerateApiKey, RandomAndWellFormed) {
  absl::StatusOr<std::string> a = GenerateApiKey();
  absl::StatusOr<std::string> b = GenerateApiKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(absl::StartsWith(*a, "lk_"));
  EXPECT_EQ(a->size(), 3u + 64u);
}

TEST(ApiKeyStore, ParsesLinesCommentsAndFindsByKey) {
  const std::string text = absl::StrCat("# keys\n\n", ApiKeyFileLine(Role::kRead, "r-key", "reader"),
                                        "   # the dashboard\n",
                                        ApiKeyFileLine(Role::kWrite, "w-key", "writer"), "\r\n",
                                        ApiKeyFileLine(Role::kAdmin, "a-key", "ops@example"));
  absl::StatusOr<ApiKeyStore> store = ApiKeyStore::Parse(text);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 3u);
  const ApiKey* reader = store->Find("r-key");
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->name, "reader");
  EXPECT_EQ(reader->role, Role::kRead);
  EXPECT_EQ(store->Find("w-key")->role, Role::kWrite);
  EXPECT_EQ(store->Find("a-key")->name, "ops@example");
  EXPECT_EQ(store->Find("r-key "), nullptr);
  EXPECT_EQ(store->Find(""), nullptr);
  // The hash itself is not a key.
  EXPECT_EQ(store->Find(Sha256Hex("r-key")), nullptr);
}

TEST(ApiKeyStore, UpperCaseHexIsAccepted) {
  std::string line = ApiKeyFileLine(Role::kRead, "k", "n");
  for (char& c : line) c = (c >= 'a' && c <= 'f') ? c - 'a' + 'A' : c;
  line.replace(0, 4, "read");
  absl::StatusOr<ApiKeyStore> store = ApiKeyStore::Parse(line);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_NE(store->Find("k"), nullptr);
}

TEST(ApiKeyStore, RejectsBadLinesNamingTheLine) {
  const std::string good = ApiKeyFileLine(Role::kRead, "k", "n");
  const std::string hash = Sha256Hex("k");
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"read " + hash, "line 1: want 3 fields"},
      {"\nowner " + hash + " n", "line 2: role must be"},
      {"read abc n", "64 hex digits"},
      {"read " + std::string(64, 'g') + " n", "64 hex digits"},
      {"read " + hash + " bad/name", "name must be"},
      {good + "\n" + ApiKeyFileLine(Role::kWrite, "other", "n"), "line 2: duplicate name n"},
      {good + "\n" + ApiKeyFileLine(Role::kWrite, "k", "m"), "line 2: the same key"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ApiKeyStore> store = ApiKeyStore::Parse(c.text);
    ASSERT_FALSE(store.ok()) << c.text;
    EXPECT_TRUE(absl::StrContains(store.status().message(), c.error)) << store.status();
    EXPECT_FALSE(absl::StrContains(store.status().message(), hash)) << "echoes the hash";
  }
}

TEST(RequiredRole, MapsEveryPublicMethod) {
  EXPECT_EQ(RequiredRole("/grpc.health.v1.Health/Check"), std::nullopt);
  EXPECT_EQ(RequiredRole("/grpc.health.v1.Health/Watch"), std::nullopt);
  EXPECT_EQ(RequiredRole("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            std::nullopt);
  EXPECT_EQ(RequiredRole("/loupe.v1.QueryService/Search"), Role::kRead);
  EXPECT_EQ(RequiredRole("/loupe.v1.QueryService/ClusterInfo"), Role::kRead);
  EXPECT_EQ(RequiredRole("/loupe.v1.IngestService/Get"), Role::kRead);
  EXPECT_EQ(RequiredRole("/loupe.v1.IngestService/Status"), Role::kRead);
  EXPECT_EQ(RequiredRole("/loupe.v1.IngestService/Ingest"), Role::kWrite);
  EXPECT_EQ(RequiredRole("/loupe.v1.IngestService/IngestStream"), Role::kWrite);
  EXPECT_EQ(RequiredRole("/loupe.v1.IngestService/Delete"), Role::kWrite);
  EXPECT_EQ(RequiredRole("/loupe.v1.AdminService/Checkpoint"), Role::kAdmin);
  EXPECT_EQ(RequiredRole("/loupe.v1.IngestService/Reindex"), Role::kAdmin);
  EXPECT_EQ(RequiredRole("/loupe.v1.IndexService/Apply"), Role::kAdmin);
  EXPECT_EQ(RequiredRole(""), Role::kAdmin);
  EXPECT_EQ(RequiredRole("/grpc.health.v1.HealthX/Check"), Role::kAdmin);
}

TEST(BearerToken, ParsesTheScheme) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer   abc "), "abc");
  EXPECT_EQ(BearerToken("Basic abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("abc"), std::nullopt);
}

TEST(AuthorizeCall, UnauthenticatedPermissionDeniedOrOk) {
  absl::StatusOr<ApiKeyStore> store = ApiKeyStore::Parse(
      absl::StrCat(ApiKeyFileLine(Role::kRead, "secret-read", "dashboard"), "\n",
                   ApiKeyFileLine(Role::kWrite, "secret-write", "loader"), "\n",
                   ApiKeyFileLine(Role::kAdmin, "secret-admin", "ops")));
  ASSERT_TRUE(store.ok());
  auto decide = [&](absl::string_view path, std::optional<absl::string_view> header) {
    return AuthorizeCall(*store, path, header);
  };
  EXPECT_EQ(decide("/grpc.health.v1.Health/Check", std::nullopt).code, grpc::StatusCode::OK);
  EXPECT_EQ(decide("/loupe.v1.QueryService/Search", std::nullopt).code,
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(decide("/loupe.v1.QueryService/Search", "Token secret-read").code,
            grpc::StatusCode::UNAUTHENTICATED);
  const AuthDecision unknown = decide("/loupe.v1.QueryService/Search", "Bearer nope");
  EXPECT_EQ(unknown.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(absl::StrContains(unknown.message, "nope"));
  EXPECT_EQ(decide("/loupe.v1.QueryService/Search", "Bearer secret-read").code,
            grpc::StatusCode::OK);
  const AuthDecision denied = decide("/loupe.v1.IngestService/Ingest", "Bearer secret-read");
  EXPECT_EQ(denied.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(denied.message, "'dashboard' has role read")) << denied.message;
  EXPECT_TRUE(absl::StrContains(denied.message, "needs role write")) << denied.message;
  EXPECT_FALSE(absl::StrContains(denied.message, "secret-read"));
  EXPECT_EQ(decide("/loupe.v1.IngestService/Ingest", "Bearer secret-write").code,
            grpc::StatusCode::OK);
  EXPECT_EQ(decide("/loupe.v1.AdminService/Checkpoint", "Bearer secret-write").code,
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(decide("/loupe.v1.AdminService/Checkpoint", "Bearer secret-admin").code,
            grpc::StatusCode::OK);
}

}  // namespace
}  // namespace loupe
