#include "services/common/raw_request.h"

#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "loupe/v1/ingest.pb.h"

namespace loupe {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Length-delimited field, as a client in any language may encode it.
std::string Field(int number, const std::string& payload) {
  std::string out(1, static_cast<char>((number << 3) | 2));
  out.push_back(static_cast<char>(payload.size()));  // payloads here are < 128 bytes
  return out + payload;
}

std::vector<std::pair<std::string, std::string>> Violations(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  bad_request.ParseFromString(std::string(*payload));
  for (const auto& v : bad_request.field_violations()) out.emplace_back(v.field(), v.description());
  return out;
}

TEST(RawRequestTest, ValidBytesParse) {
  v1::IngestRequest original;
  original.add_documents()->set_body("réveil");
  v1::IngestRequest parsed;
  ASSERT_TRUE(ParseRequest(original.SerializeAsString(), &parsed).ok());
  EXPECT_EQ(parsed.documents(0).body(), "réveil");
}

TEST(RawRequestTest, InvalidUtf8IsNamedByFieldPath) {
  const std::string first = Field(1, Field(1, "ok") + Field(4, "fine"));
  const std::string second =
      Field(1, Field(1, "id2") + Field(3, "caf\xc3") + Field(8, Field(1, "k") + Field(2, "\xff")));
  v1::IngestRequest parsed;
  absl::Status status = ParseRequest(first + second, &parsed);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Violations(status),
              ElementsAre(Pair("documents[1].title", HasSubstr("offset 3")),
                          Pair("documents[1].tags[0].value", HasSubstr("not valid UTF-8"))));
  EXPECT_THAT(status.message(), HasSubstr("documents[1].title"));
}

TEST(RawRequestTest, GarbageIsInvalidArgumentNamingTheType) {
  v1::IngestRequest parsed;
  absl::Status status = ParseRequest("\x0a\x7f", &parsed);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("loupe.v1.IngestRequest"));
}

TEST(RawRequestTest, ByteBufferRoundTrip) {
  v1::IngestRequest original;
  original.add_documents()->set_id("x");
  grpc::ByteBuffer buffer;
  ASSERT_TRUE(MessageToByteBuffer(original, &buffer).ok());
  EXPECT_EQ(ByteBufferToString(buffer), original.SerializeAsString());
}

}  // namespace
}  // namespace loupe
