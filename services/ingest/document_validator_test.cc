#include "services/ingest/document_validator.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/ingest/test_util.h"

namespace loupe {
namespace {

using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

absl::Status Validate(const google::protobuf::RepeatedPtrField<loupe::v1::Document>& documents,
                      const DocumentLimits& limits = DocumentLimits()) {
  FieldViolations violations;
  ValidateIngestBatch(documents, limits, &violations);
  return violations.empty() ? absl::OkStatus() : violations.ToStatus("invalid documents");
}

loupe::v1::Document Valid() {
  loupe::v1::Document document;
  document.set_id("ok-1");
  document.set_body("Some text.");
  return document;
}

TEST(DocumentValidatorTest, AcceptsAValidDocument) {
  google::protobuf::RepeatedPtrField<loupe::v1::Document> documents;
  *documents.Add() = Valid();
  loupe::v1::Document full = Valid();
  full.set_lang("fr");
  full.set_content_type("text/html");
  full.mutable_published_at()->set_seconds(1737936000);
  (*full.mutable_tags())["section"] = "tech";
  *documents.Add() = full;
  EXPECT_TRUE(Validate(documents).ok()) << Validate(documents);
}

TEST(DocumentValidatorTest, NamesEveryBadField) {
  google::protobuf::RepeatedPtrField<loupe::v1::Document> documents;
  *documents.Add() = Valid();
  loupe::v1::Document& no_body = *documents.Add();            // [1]
  no_body.set_id("has space");
  loupe::v1::Document& big_body = *documents.Add() = Valid();  // [2]
  big_body.set_body(std::string(2000000, 'a'));
  loupe::v1::Document& bad_utf8 = *documents.Add() = Valid();  // [3]
  bad_utf8.set_title("Titre \xC3(");
  loupe::v1::Document& bad_misc = *documents.Add() = Valid();  // [4]
  bad_misc.set_lang("french");
  bad_misc.mutable_published_at()->set_seconds(-3000000000LL);
  bad_misc.set_content_type("application/pdf");
  bad_misc.set_version(-1);
  for (int i = 0; i < 65; ++i) (*bad_misc.mutable_tags())["k" + std::to_string(i)] = "v";
  bad_misc.set_url(std::string(3000, 'u'));

  const absl::Status status = Validate(documents);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const auto fields = ViolatedFields(status);
  EXPECT_THAT(fields, UnorderedElementsAre(
                          Pair("documents[1].id", HasSubstr("whitespace")),
                          Pair("documents[1].body", "is required when there is no title"),
                          Pair("documents[2].body",
                               "is 2000000 bytes; the limit is 1048576 (--max_body_bytes)"),
                          Pair("documents[3].title",
                               "is not valid UTF-8 (first bad byte at offset 6)"),
                          Pair("documents[4].lang", HasSubstr("2 or 3 letters")),
                          Pair("documents[4].published_at", HasSubstr("1900-01-01")),
                          Pair("documents[4].content_type", HasSubstr("application/pdf")),
                          Pair("documents[4].version", HasSubstr(">= 0")),
                          Pair("documents[4].tags", HasSubstr("65 entries")),
                          Pair("documents[4].url", HasSubstr("the limit is 2048"))));
}

TEST(DocumentValidatorTest, BatchSizeIsOnDocuments) {
  google::protobuf::RepeatedPtrField<loupe::v1::Document> documents;
  EXPECT_THAT(ViolatedFields(Validate(documents)), UnorderedElementsAre(Key("documents")));
  DocumentLimits limits;
  limits.max_batch_documents = 2;
  for (int i = 0; i < 3; ++i) *documents.Add() = Valid();
  EXPECT_THAT(ViolatedFields(Validate(documents, limits)),
              UnorderedElementsAre(Pair("documents", HasSubstr("--max_batch_documents"))));
}

TEST(DocumentValidatorTest, IdsAndDeleteRequests) {
  FieldViolations violations;
  google::protobuf::RepeatedPtrField<std::string> ids;
  ids.Add("fine-id");
  ids.Add("");
  ids.Add(std::string(300, 'x'));
  ids.Add("zero\xE2\x80\x8Bwidth");  // U+200B ZERO WIDTH SPACE
  ValidateDeleteIds(ids, DocumentLimits(), &violations);
  EXPECT_THAT(ViolatedFields(violations.ToStatus("")),
              UnorderedElementsAre(Pair("ids[1]", "is required"),
                                   Pair("ids[2]", HasSubstr("the limit is 256")),
                                   Pair("ids[3]", HasSubstr("invisible"))));
}

TEST(DocumentValidatorTest, AHeadlineAloneIsADocument) {
  google::protobuf::RepeatedPtrField<loupe::v1::Document> documents;
  loupe::v1::Document& headline = *documents.Add();  // [0]: a title, no body
  headline.set_title("Storm hits the coast");
  loupe::v1::Document& blank_body = *documents.Add();  // [1]: a title, a blank body
  blank_body.set_title("Markets fall");
  blank_body.set_body(" \n\t ");
  EXPECT_TRUE(Validate(documents).ok()) << Validate(documents);

  loupe::v1::Document& blank_title = *documents.Add();  // [2]: blanks only
  blank_title.set_title("   ");
  blank_title.set_body(" \n ");
  EXPECT_THAT(ViolatedFields(Validate(documents)),
              UnorderedElementsAre(Pair("documents[2].body", "has no visible text (only "
                                                             "whitespace) and there is no title")));
}

TEST(DocumentValidatorTest, TextOfOnlyMarkupIsRejectedAfterNormalisation) {
  FieldViolations violations;
  loupe::v1::Document normalized;
  ValidateNormalizedText(normalized, "documents[0]", &violations);
  EXPECT_THAT(ViolatedFields(violations.ToStatus("")),
              UnorderedElementsAre(Pair("documents[0].body", HasSubstr("no visible text"))));
  // A title left after normalisation is enough.
  FieldViolations none;
  normalized.set_title("Headline");
  ValidateNormalizedText(normalized, "documents[0]", &none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace loupe
