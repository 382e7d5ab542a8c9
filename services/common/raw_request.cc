#include "services/common/raw_request.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "services/common/utf8.h"

namespace loupe {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Walks the wire format of a message of type `descriptor` and reports each
// string field whose bytes are not valid UTF-8.
void FindInvalidUtf8(const std::string& bytes, const Descriptor* descriptor,
                     const std::string& path, FieldViolations* violations) {
  UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  std::map<int, int> repeat_index;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    if (field.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const FieldDescriptor* field_descriptor = descriptor->FindFieldByNumber(field.number());
    if (field_descriptor == nullptr) continue;
    std::string name = path.empty() ? field_descriptor->name()
                                    : absl::StrCat(path, ".", field_descriptor->name());
    if (field_descriptor->is_repeated()) {
      absl::StrAppend(&name, "[", repeat_index[field.number()]++, "]");
    }
    if (field_descriptor->type() == FieldDescriptor::TYPE_STRING) {
      const std::string& value = field.length_delimited();
      const size_t bad = FirstInvalidUtf8Offset(value);
      if (bad != value.size()) {
        violations->Add(name, absl::StrCat("is not valid UTF-8 (first bad byte at offset ", bad,
                                           ")"));
      }
    } else if (field_descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      FindInvalidUtf8(field.length_delimited(), field_descriptor->message_type(), name,
                      violations);
    }
  }
}

}  // namespace

absl::Status ParseRequest(const std::string& bytes, google::protobuf::Message* message) {
  if (message->ParseFromString(bytes)) return absl::OkStatus();
  FieldViolations violations;
  FindInvalidUtf8(bytes, message->GetDescriptor(), "", &violations);
  if (!violations.empty()) return violations.ToStatus("");
  return absl::InvalidArgumentError(
      absl::StrCat("the request is not a valid ", message->GetDescriptor()->full_name(),
                   " message (", bytes.size(), " bytes)"));
}

std::string ByteBufferToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

grpc::Status MessageToByteBuffer(const google::protobuf::Message& message,
                                 grpc::ByteBuffer* buffer) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "cannot serialise the response");
  }
  grpc::Slice slice(std::move(bytes));
  *buffer = grpc::ByteBuffer(&slice, 1);
  return grpc::Status::OK;
}

}  // namespace loupe
