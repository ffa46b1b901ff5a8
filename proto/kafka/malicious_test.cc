// Hostile input (reference/reliability.md §5): lying counts and lengths,
// over-long varints, huge or duplicate tagged fields, bad UTF-8, trailing
// bytes. Every case must be an InvalidArgument naming the field, never an
// allocation sized by the attacker and never a crash.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "proto/kafka/codec.h"
#include "proto/kafka/header.h"

namespace cairn::kafka {
namespace {

template <typename M>
absl::Status Decode(const Buffer& bytes, int16_t version, DecodeLimits limits = {}) {
  M message;
  return DecodeExact(bytes, version, &message, limits);
}

bool Mentions(const absl::Status& s, std::string_view text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

TEST_CASE("Malicious: an INT32_MAX array count with a tiny body is rejected before allocating") {
  absl::Status s = Decode<MetadataRequest>({0x7f, 0xff, 0xff, 0xff, 0x00, 0x01, 't'}, 1);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_MESSAGE(Mentions(s, "MetadataRequest.topics: array count 2147483647 exceeds the 3 bytes left"), s);
  // The same for a nested array and for a compact (varint) count.
  s = Decode<ProduceRequest>({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 't', 0x7f, 0xff, 0xff, 0xff}, 7);
  CHECK_MESSAGE(Mentions(s, "ProduceRequest.topic_data[0].partition_data: array count"), s);
  s = Decode<MetadataRequest>({0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00, 0x00}, 9);
  CHECK_MESSAGE(Mentions(s, "array count 2147483646 exceeds"), s);
}

TEST_CASE("Malicious: array counts above the configured limit are rejected") {
  Buffer bytes = {0x00, 0x00, 0x00, 0x03};
  for (int i = 0; i < 3; ++i) bytes.insert(bytes.end(), {0x00, 0x01, 'x'});
  CHECK(Decode<MetadataRequest>(bytes, 1).ok());
  absl::Status s = Decode<MetadataRequest>(bytes, 1, DecodeLimits{.max_array_count = 2});
  CHECK_MESSAGE(Mentions(s, "exceeds the limit 2"), s);
}

TEST_CASE("Malicious: negative lengths other than -1 are errors") {
  // STRING length -2.
  absl::Status s = Decode<FindCoordinatorRequest>({0xff, 0xfe}, 0);
  CHECK_MESSAGE(Mentions(s, "FindCoordinatorRequest.key: negative length -2"), s);
  // -1 for a non-nullable string.
  s = Decode<FindCoordinatorRequest>({0xff, 0xff}, 0);
  CHECK_MESSAGE(Mentions(s, "null string in a non-nullable field"), s);
  // BYTES length -5.
  s = Decode<SyncGroupResponse>({0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xfb}, 1);
  CHECK_MESSAGE(Mentions(s, "SyncGroupResponse.assignment: negative length -5"), s);
  // ARRAY count -2.
  s = Decode<MetadataRequest>({0xff, 0xff, 0xff, 0xfe}, 1);
  CHECK_MESSAGE(Mentions(s, "negative length -2"), s);
  // A length larger than the bytes left.
  s = Decode<FindCoordinatorRequest>({0x00, 0x10, 'a'}, 0);
  CHECK_MESSAGE(Mentions(s, "string length 16 exceeds the 1 bytes left"), s);
  s = Decode<ProduceRequest>({0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 0,
                              0x7f, 0xff, 0xff, 0xff, 0x01},
                             7);
  CHECK_MESSAGE(Mentions(s, "ProduceRequest.topic_data[0].partition_data[0].records: bytes length 2147483647"), s);
}

TEST_CASE("Malicious: over-long and truncated varints are errors") {
  // Six-byte varint for a compact string length.
  absl::Status s = Decode<ApiVersionsRequest>({0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00, 0x00}, 3);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_MESSAGE(Mentions(s, "ApiVersionsRequest.client_software_name: varint"), s);
  // Five bytes that overflow 32 bits.
  s = Decode<ApiVersionsRequest>({0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00}, 3);
  CHECK_MESSAGE(Mentions(s, "varint overflows"), s);
  // Truncated.
  s = Decode<ApiVersionsRequest>({0x80}, 3);
  CHECK_MESSAGE(Mentions(s, "truncated varint"), s);
  // A compact string longer than INT16 allows.
  s = Decode<ApiVersionsRequest>({0x81, 0x80, 0x02}, 3);
  CHECK_MESSAGE(Mentions(s, "string length 32768 exceeds 32767"), s);
}

TEST_CASE("Malicious: a huge tagged field size is an error") {
  // ApiVersions v3 request: two empty compact strings, then 1 tagged field of
  // size 0x7fffffff.
  absl::Status s = Decode<ApiVersionsRequest>({0x01, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x07}, 3);
  CHECK_MESSAGE(Mentions(s, "ApiVersionsRequest._tagged_fields: tagged field 0 size 2147483647 exceeds the 0 bytes left"),
                s);
  // Same in a request header.
  Buffer header = {0x00, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0xff, 0xff, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x07};
  Reader r(header);
  RequestHeader decoded;
  s = DecodeRequestHeader(r, &decoded);
  CHECK_MESSAGE(Mentions(s, "RequestHeader._tagged_fields: tagged field 0 size"), s);
}

TEST_CASE("Malicious: too many tagged fields in one section are an error") {
  Buffer bytes = {0x01, 0x01, 65};
  for (int i = 0; i < 65; ++i) bytes.insert(bytes.end(), {static_cast<uint8_t>(i + 10), 0x00});
  absl::Status s = Decode<ApiVersionsRequest>(bytes, 3);
  CHECK_MESSAGE(Mentions(s, "tagged field count 65 exceeds the limit 64"), s);
  bytes[2] = 64;
  bytes.resize(bytes.size() - 2);
  CHECK(Decode<ApiVersionsRequest>(bytes, 3).ok());
  // A count larger than the bytes left.
  s = Decode<ApiVersionsRequest>({0x01, 0x01, 0x20, 0x00, 0x00}, 3);
  CHECK_MESSAGE(Mentions(s, "tagged field count 32"), s);
}

TEST_CASE("Malicious: duplicate tags, known or unknown, are errors") {
  // Fetch v12 request top-level tags: cluster_id (tag 0) twice.
  FetchRequest request;
  Buffer bytes = EncodeToBuffer(request, 12);
  REQUIRE(bytes.back() == 0x00);
  bytes.pop_back();
  Buffer dup = bytes;
  dup.insert(dup.end(), {0x02, 0x00, 0x02, 0x02, 'a', 0x00, 0x02, 0x02, 'b'});
  absl::Status s = Decode<FetchRequest>(dup, 12);
  CHECK_MESSAGE(Mentions(s, "FetchRequest._tagged_fields: duplicate tag 0"), s);
  Buffer once = bytes;
  once.insert(once.end(), {0x01, 0x00, 0x02, 0x02, 'a'});
  FetchRequest decoded;
  REQUIRE(DecodeExact(once, 12, &decoded).ok());
  CHECK(decoded.cluster_id == "a");
  // Unknown tag 9 twice.
  Buffer unknown = bytes;
  unknown.insert(unknown.end(), {0x02, 0x09, 0x00, 0x09, 0x01, 0x00});
  s = Decode<FetchRequest>(unknown, 12);
  CHECK_MESSAGE(Mentions(s, "duplicate tag 9"), s);
  // A known tagged field whose size is larger than its value.
  Buffer loose = bytes;
  loose.insert(loose.end(), {0x01, 0x00, 0x03, 0x02, 'a', 'z'});
  s = Decode<FetchRequest>(loose, 12);
  CHECK_MESSAGE(Mentions(s, "tag 0 has 1 unread bytes"), s);
  // A known tagged field whose size is smaller than its value.
  Buffer tight = bytes;
  tight.insert(tight.end(), {0x01, 0x00, 0x01, 0x02, 'a'});
  s = Decode<FetchRequest>(tight, 12);
  CHECK_MESSAGE(Mentions(s, "FetchRequest.cluster_id"), s);
}

TEST_CASE("Malicious: strings must be valid UTF-8") {
  CHECK(Decode<FindCoordinatorRequest>({0x00, 0x02, 0xc3, 0xa9}, 0).ok());
  for (const Buffer& bad : {Buffer{0x00, 0x01, 0xff}, Buffer{0x00, 0x02, 0xc0, 0x80},     // overlong NUL
                            Buffer{0x00, 0x03, 0xed, 0xa0, 0x80},                          // surrogate
                            Buffer{0x00, 0x04, 0xf4, 0x90, 0x80, 0x80},                    // > U+10FFFF
                            Buffer{0x00, 0x02, 0xe2, 0x82}}) {                             // truncated
    absl::Status s = Decode<FindCoordinatorRequest>(bad, 0);
    CHECK_MESSAGE(Mentions(s, "not valid UTF-8"), s);
  }
}

TEST_CASE("Malicious: trailing bytes after a whole message are an error") {
  Buffer bytes = EncodeToBuffer(HeartbeatRequest{.group_id = "g", .generation_id = 1, .member_id = "m"}, 0);
  CHECK(Decode<HeartbeatRequest>(bytes, 0).ok());
  bytes.push_back(0);
  absl::Status s = Decode<HeartbeatRequest>(bytes, 0);
  CHECK_MESSAGE(Mentions(s, "HeartbeatRequest: 1 trailing bytes"), s);
  Reader r(bytes);
  CHECK(!DecodeRequestBody(12, 0, r).ok());
}

TEST_CASE("Malicious: a truncated request header is an error at every length") {
  RequestHeader header{.api_key = 3, .api_version = 9, .correlation_id = 1, .client_id = "client"};
  header.unknown_tagged_fields.push_back({.tag = 1, .data = {1, 2, 3}});
  Buffer bytes;
  Writer w(bytes);
  EncodeRequestHeader(header, w);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Reader r(ByteSpan(bytes).first(cut));
    RequestHeader decoded;
    CHECK(!DecodeRequestHeader(r, &decoded).ok());
  }
  Reader r(bytes);
  RequestHeader decoded;
  REQUIRE(DecodeRequestHeader(r, &decoded).ok());
  CHECK(decoded == header);
}

}  // namespace
}  // namespace cairn::kafka
