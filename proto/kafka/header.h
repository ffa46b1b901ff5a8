// Kafka request and response headers (kafka.apache.org/protocol, "Headers").
//   Request header v1: api_key i16, api_version i16, correlation_id i32,
//                      client_id NULLABLE_STRING (never compact, even in v2)
//   Request header v2: v1 + tagged fields
//   Response header v0: correlation_id i32; v1: v0 + tagged fields
// Which version a message uses: RequestHeaderVersion / ResponseHeaderVersion
// in proto/kafka/generated/api.h (the ApiVersions response header is always v0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/types.h"
#include "proto/kafka/writer.h"

namespace cairn::kafka {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;  // header v1+
  std::vector<TaggedField> unknown_tagged_fields;  // header v2

  // header_version: 0, 1 or 2.
  absl::Status Decode(Reader& r, int16_t header_version);
  void Encode(Writer& w, int16_t header_version) const;
  bool operator==(const RequestHeader&) const = default;
};

// Reads a request header whose version follows from the api key and version
// it carries (unknown api keys are read as v1, so an error can be answered
// with the right correlation id).
absl::Status DecodeRequestHeader(Reader& r, RequestHeader* out);
// Writes `header` in the version its api key and version call for.
void EncodeRequestHeader(const RequestHeader& header, Writer& w);

struct ResponseHeader {
  int32_t correlation_id = 0;
  std::vector<TaggedField> unknown_tagged_fields;  // header v1

  // header_version: 0 or 1.
  absl::Status Decode(Reader& r, int16_t header_version);
  void Encode(Writer& w, int16_t header_version) const;
  bool operator==(const ResponseHeader&) const = default;
};

}  // namespace cairn::kafka
