// Kafka request/response headers; see header.h.
#include "proto/kafka/header.h"

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "proto/kafka/generated/api.h"

namespace cairn::kafka {
namespace {

absl::Status ReadTaggedFields(Reader& r, std::vector<TaggedField>* out) {
  uint32_t count = 0;
  if (absl::Status s = r.ReadTaggedFieldCount(&count); !s.ok()) return s;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = 0;
    uint32_t size = 0;
    if (absl::Status s = r.ReadTaggedFieldHeader(&tag, &size); !s.ok()) return s;
    ByteSpan data;
    if (absl::Status s = r.ReadRaw(size, &data); !s.ok()) return s;
    for (const TaggedField& seen : *out) {
      if (seen.tag == tag) return internal::DuplicateTag(tag);
    }
    out->push_back(TaggedField{tag, Buffer(data.begin(), data.end())});
  }
  return absl::OkStatus();
}

void WriteTaggedFields(Writer& w, const std::vector<TaggedField>& fields) {
  if (fields.empty()) return w.WriteEmptyTaggedFields();
  std::vector<TaggedField> copy = fields;
  w.WriteTaggedFields(copy);
}

#define CAIRN_HEADER_TRY(expr, field)                                                          \
  do {                                                                                        \
    const absl::Status status = (expr);                                                       \
    if (!status.ok()) return internal::FieldError(status, absl::StrCat(kName, ".", field)); \
  } while (0)

}  // namespace

absl::Status RequestHeader::Decode(Reader& r, int16_t header_version) {
  static constexpr const char* kName = "RequestHeader";
  if (header_version < 0 || header_version > 2) return internal::UnsupportedVersion(kName, header_version);
  *this = RequestHeader{};
  CAIRN_HEADER_TRY(r.ReadInt16(&api_key), "api_key");
  CAIRN_HEADER_TRY(r.ReadInt16(&api_version), "api_version");
  CAIRN_HEADER_TRY(r.ReadInt32(&correlation_id), "correlation_id");
  if (header_version >= 1) CAIRN_HEADER_TRY(r.ReadNullableString(&client_id, /*compact=*/false), "client_id");
  if (header_version >= 2) CAIRN_HEADER_TRY(ReadTaggedFields(r, &unknown_tagged_fields), "_tagged_fields");
  return absl::OkStatus();
}

void RequestHeader::Encode(Writer& w, int16_t header_version) const {
  CAIRN_CHECK(header_version >= 0 && header_version <= 2) << header_version;
  w.WriteInt16(api_key);
  w.WriteInt16(api_version);
  w.WriteInt32(correlation_id);
  if (header_version >= 1) w.WriteNullableString(client_id, /*compact=*/false);
  if (header_version >= 2) WriteTaggedFields(w, unknown_tagged_fields);
}

absl::Status DecodeRequestHeader(Reader& r, RequestHeader* out) {
  // api_key and api_version lead every header version; peek at them.
  Reader peek = r;
  int16_t api_key = 0;
  int16_t api_version = 0;
  if (absl::Status s = peek.ReadInt16(&api_key); !s.ok()) return internal::FieldError(s, "RequestHeader.api_key");
  if (absl::Status s = peek.ReadInt16(&api_version); !s.ok()) {
    return internal::FieldError(s, "RequestHeader.api_version");
  }
  return out->Decode(r, RequestHeaderVersion(api_key, api_version));
}

void EncodeRequestHeader(const RequestHeader& header, Writer& w) {
  header.Encode(w, RequestHeaderVersion(header.api_key, header.api_version));
}

absl::Status ResponseHeader::Decode(Reader& r, int16_t header_version) {
  static constexpr const char* kName = "ResponseHeader";
  if (header_version < 0 || header_version > 1) return internal::UnsupportedVersion(kName, header_version);
  *this = ResponseHeader{};
  CAIRN_HEADER_TRY(r.ReadInt32(&correlation_id), "correlation_id");
  if (header_version >= 1) CAIRN_HEADER_TRY(ReadTaggedFields(r, &unknown_tagged_fields), "_tagged_fields");
  return absl::OkStatus();
}

void ResponseHeader::Encode(Writer& w, int16_t header_version) const {
  CAIRN_CHECK(header_version == 0 || header_version == 1) << header_version;
  w.WriteInt32(correlation_id);
  if (header_version >= 1) WriteTaggedFields(w, unknown_tagged_fields);
}

}  // namespace cairn::kafka
