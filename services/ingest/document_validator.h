// Validation of ingest and delete requests against the limits of
// loupe-ingest (each limit is a flag). Every violation names its field path
// ("documents[2].body") and says why with the numbers involved, and all of
// them are collected, so a client fixes a batch in one round trip:
//
//   documents[0].body: is required when there is no title
//   documents[1].body: is 2000000 bytes; the limit is 1048576 (--max_body_bytes)
//   documents[3].title: is not valid UTF-8 (first bad byte at offset 17)
//
// Raw documents are checked before normalisation; ValidateNormalizedText
// checks what only normalisation reveals (a body of markup or blanks).
//
//   FieldViolations violations;
//   ValidateIngestBatch(request.documents(), limits, &violations);
//   if (!violations.empty()) return violations.ToStatus("invalid documents");
#ifndef LOUPE_SERVICES_INGEST_DOCUMENT_VALIDATOR_H_
#define LOUPE_SERVICES_INGEST_DOCUMENT_VALIDATOR_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "loupe/v1/document.pb.h"
#include "services/common/status_util.h"

namespace loupe {

struct DocumentLimits {
  size_t max_batch_documents = 1000;  // --max_batch_documents
  size_t max_body_bytes = 1 << 20;    // --max_body_bytes
  size_t max_title_bytes = 4096;      // --max_title_bytes
  size_t max_id_bytes = 256;
  size_t max_url_bytes = 2048;
  size_t max_source_bytes = 128;
  size_t max_tags = 64;
  size_t max_tag_key_bytes = 128;
  size_t max_tag_value_bytes = 1024;
  size_t max_delete_ids = 1000;
};

// The batch size ("documents": 1..max_batch_documents) and every document.
void ValidateIngestBatch(const google::protobuf::RepeatedPtrField<loupe::v1::Document>& documents,
                         const DocumentLimits& limits, FieldViolations* violations);

// One raw document; `field_prefix` is its path, e.g. "documents[3]".
void ValidateDocument(const loupe::v1::Document& document, const DocumentLimits& limits,
                      absl::string_view field_prefix, FieldViolations* violations);

// An external id: 1..max_id_bytes of valid UTF-8, printable, no whitespace.
void ValidateId(absl::string_view id, const DocumentLimits& limits, std::string field,
                FieldViolations* violations);

// The ids of a delete request ("ids": 1..max_delete_ids, each a valid id).
void ValidateDeleteIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                       const DocumentLimits& limits, FieldViolations* violations);

// After normalisation the body, or else the title, must keep a visible
// character: a document with a title and no body is a headline alone.
void ValidateNormalizedText(const loupe::v1::Document& normalized, absl::string_view field_prefix,
                            FieldViolations* violations);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INGEST_DOCUMENT_VALIDATOR_H_
