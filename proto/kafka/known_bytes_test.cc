// Known-bytes tests: messages laid out by hand from the protocol spec
// (kafka.apache.org/protocol) and compared byte for byte with our encoder, and
// decoded back into the expected fields.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/record_batch.h"
#include "proto/kafka/codec.h"
#include "proto/kafka/header.h"

namespace cairn::kafka {
namespace {

Buffer Concat(std::initializer_list<Buffer> parts) {
  Buffer out;
  for (const Buffer& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Buffer Str(std::string_view s) { return Buffer(s.begin(), s.end()); }

TEST_CASE("Known bytes: ApiVersions v0 request is a v1 header and an empty body") {
  RequestHeader header;
  header.api_key = 18;
  header.api_version = 0;
  header.correlation_id = 1;
  header.client_id = "abc";
  Buffer bytes;
  Writer w(bytes);
  EncodeRequestHeader(header, w);
  ApiVersionsRequest().Encode(w, 0);
  const Buffer expected = {0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 'a', 'b', 'c'};
  CHECK(bytes == expected);

  Reader r(expected);
  RequestHeader decoded;
  REQUIRE(DecodeRequestHeader(r, &decoded).ok());
  CHECK(decoded == header);
  ApiVersionsRequest body;
  REQUIRE(body.Decode(r, 0).ok());
  CHECK(r.empty());
}

TEST_CASE("Known bytes: ApiVersions v3 request uses header v2 and compact strings") {
  RequestHeader header;
  header.api_key = 18;
  header.api_version = 3;
  header.correlation_id = 7;
  header.client_id = "abc";
  ApiVersionsRequest request;
  request.client_software_name = "cairn";
  request.client_software_version = "1.0";
  Buffer bytes;
  Writer w(bytes);
  EncodeRequestHeader(header, w);
  request.Encode(w, 3);
  const Buffer expected = Concat({
      {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07},  // api key, version, correlation id
      {0x00, 0x03, 'a', 'b', 'c'},                        // client_id: still INT16 length in v2
      {0x00},                                             // header tagged fields
      {0x06}, Str("cairn"),                               // compact string: length + 1
      {0x04}, Str("1.0"),                                 //
      {0x00},                                             // body tagged fields
  });
  CHECK(bytes == expected);

  Reader r(expected);
  RequestHeader decoded_header;
  REQUIRE(DecodeRequestHeader(r, &decoded_header).ok());
  CHECK(decoded_header == header);
  ApiVersionsRequest decoded;
  REQUIRE(decoded.Decode(r, 3).ok());
  CHECK(decoded == request);
  CHECK(r.empty());
}

TEST_CASE("Known bytes: ApiVersions v3 response has a v0 header and tagged feature fields") {
  CHECK(ResponseHeaderVersion(18, 3) == 0);
  CHECK(ResponseHeaderVersion(18, 0) == 0);
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 3});
  response.finalized_features_epoch = 5;
  Buffer bytes;
  Writer w(bytes);
  ResponseHeader{.correlation_id = 7}.Encode(w, ResponseHeaderVersion(18, 3));
  response.Encode(w, 3);
  const Buffer expected = {
      0x00, 0x00, 0x00, 0x07,                          // correlation id, no header tags
      0x00, 0x00,                                      // error_code
      0x02,                                            // compact array of 1
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,        // api_key, min, max, element tags
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms
      0x01,                                            // one tagged field:
      0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05,           //   tag 1 finalized_features_epoch
  };
  CHECK(bytes == expected);
  Reader r(expected);
  ResponseHeader header;
  REQUIRE(header.Decode(r, 0).ok());
  CHECK(header.correlation_id == 7);
  ApiVersionsResponse decoded;
  REQUIRE(decoded.Decode(r, 3).ok());
  CHECK(decoded == response);
  CHECK(decoded.zk_migration_ready == false);
}

TEST_CASE("Known bytes: Metadata v1 request with one topic and with null (all topics)") {
  MetadataRequest request;
  request.topics.emplace().push_back({.name = "t"});
  CHECK(EncodeToBuffer(request, 1) == Buffer{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't'});
  request.topics.reset();
  CHECK(EncodeToBuffer(request, 1) == Buffer{0xff, 0xff, 0xff, 0xff});
  // v0 has no null: an empty array means all topics.
  CHECK(EncodeToBuffer(request, 0) == Buffer{0x00, 0x00, 0x00, 0x00});
  MetadataRequest decoded;
  REQUIRE(DecodeExact(Buffer{0xff, 0xff, 0xff, 0xff}, 1, &decoded).ok());
  CHECK(!decoded.topics.has_value());
  CHECK(!DecodeExact(Buffer{0xff, 0xff, 0xff, 0xff}, 0, &decoded).ok());
  // v4 adds allow_auto_topic_creation, default true.
  CHECK(EncodeToBuffer(MetadataRequest(), 4) == Buffer{0xff, 0xff, 0xff, 0xff, 0x01});
}

TEST_CASE("Known bytes: Metadata v9 request uses compact arrays and tagged fields") {
  MetadataRequest request;
  request.topics.emplace().push_back({.name = "ab"});
  request.allow_auto_topic_creation = false;
  request.include_topic_authorized_operations = true;
  const Buffer expected = {0x02, 0x03, 'a', 'b', 0x00,  // topics: 1 element with its tags
                           0x00, 0x00, 0x01,            // three bools
                           0x00};                       // tagged fields
  CHECK(EncodeToBuffer(request, 9) == expected);
  MetadataRequest decoded;
  REQUIRE(DecodeExact(expected, 9, &decoded).ok());
  CHECK(decoded == request);
  request.topics.reset();
  CHECK(EncodeToBuffer(request, 9)[0] == 0x00);  // compact null
}

TEST_CASE("Known bytes: Produce v7 request header and body carry a record batch verbatim") {
  const std::pair<std::optional<std::string>, std::optional<std::string>> kv[] = {{"k", "v"}};
  const Buffer batch = MakeRecordBatch(kv);
  RequestHeader header{.api_key = 0, .api_version = 7, .correlation_id = 42, .client_id = "rdkafka"};
  ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 30000;
  auto& topic = request.topic_data.emplace_back();
  topic.name = "topic";
  topic.partition_data.push_back({.index = 2, .records = batch});
  Buffer bytes;
  Writer w(bytes);
  EncodeRequestHeader(header, w);
  request.Encode(w, 7);

  Buffer length(4);
  StoreBigEndian(length.data(), static_cast<int32_t>(batch.size()));
  const Buffer expected = Concat({
      {0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x2a},  // Produce v7, correlation 42
      {0x00, 0x07}, Str("rdkafka"),                      // client_id
      {0xff, 0xff},                                      // transactional_id: null
      {0xff, 0xff},                                      // acks -1
      {0x00, 0x00, 0x75, 0x30},                          // timeout_ms 30000
      {0x00, 0x00, 0x00, 0x01},                          // topic_data: 1
      {0x00, 0x05}, Str("topic"),                        //
      {0x00, 0x00, 0x00, 0x01},                          // partition_data: 1
      {0x00, 0x00, 0x00, 0x02},                          // index 2
      length, batch,                                     // records (INT32 length + bytes)
  });
  CHECK(bytes == expected);

  Reader r(expected);
  RequestHeader decoded_header;
  REQUIRE(DecodeRequestHeader(r, &decoded_header).ok());
  CHECK(decoded_header == header);
  ProduceRequest decoded;
  REQUIRE(decoded.Decode(r, 7).ok());
  CHECK(r.empty());
  CHECK(decoded == request);
  REQUIRE(decoded.topic_data[0].partition_data[0].records.has_value());
  CHECK(ValidateRecordBatch(*decoded.topic_data[0].partition_data[0].records).ok());
}

// The frame a splicing sender puts on the wire: the buffer with each spliced
// batch inserted at its offset.
Buffer Reassemble(const Buffer& head, const std::vector<Writer::Splice>& splices) {
  Buffer out;
  size_t from = 0;
  for (const Writer::Splice& splice : splices) {
    REQUIRE(splice.offset >= from);
    out.insert(out.end(), head.begin() + static_cast<ptrdiff_t>(from),
               head.begin() + static_cast<ptrdiff_t>(splice.offset));
    out.insert(out.end(), splice.bytes.begin(), splice.bytes.end());
    from = splice.offset;
  }
  out.insert(out.end(), head.begin() + static_cast<ptrdiff_t>(from), head.end());
  return out;
}

TEST_CASE("Splicing: a Produce request with its batches spliced out is, reassembled, the bytes of the "
          "whole encoding, classic and compact, with small and null batches left inline") {
  const std::pair<std::optional<std::string>, std::optional<std::string>> big_kv[] = {
      {"k", std::string(3000, 'v')}, {std::nullopt, std::string(200, 'w')}};
  const std::pair<std::optional<std::string>, std::optional<std::string>> small_kv[] = {{"k", "v"}};
  const Buffer big = MakeRecordBatch(big_kv);
  const Buffer small = MakeRecordBatch(small_kv);
  REQUIRE(big.size() >= 1024);
  REQUIRE(small.size() < 1024);
  ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 30000;
  auto& first = request.topic_data.emplace_back();
  first.name = "a";
  first.partition_data.push_back({.index = 0, .records = big});
  first.partition_data.push_back({.index = 1, .records = small});
  first.partition_data.push_back({.index = 2, .records = std::nullopt});
  auto& second = request.topic_data.emplace_back();
  second.name = "b";
  second.partition_data.push_back({.index = 5, .records = big});
  const auto owner = std::make_shared<int>(7);

  for (int16_t version : {3, 7, 9}) {
    CAPTURE(version);
    Buffer whole;
    Writer plain(whole);
    request.Encode(plain, version);
    CHECK(plain.splices().empty());

    Buffer head;
    Writer spliced(head);
    spliced.SpliceRecords(1024, owner);
    request.Encode(spliced, version);
    REQUIRE(spliced.splices().size() == 2);  // the two big batches, not the small or the null one
    CHECK(spliced.splices()[0].bytes.data() == request.topic_data[0].partition_data[0].records->data());
    CHECK(spliced.splices()[1].bytes.data() == request.topic_data[1].partition_data[0].records->data());
    CHECK(spliced.splice_owner() == owner);
    CHECK(head.size() == whole.size() - 2 * big.size());
    CHECK(Reassemble(head, spliced.splices()) == whole);
  }
}

TEST_CASE("Known bytes: request header v2 keeps unknown tagged fields in tag order") {
  RequestHeader header{.api_key = 1, .api_version = 12, .correlation_id = 3, .client_id = std::nullopt};
  header.unknown_tagged_fields.push_back({.tag = 5, .data = {0xaa}});
  header.unknown_tagged_fields.push_back({.tag = 2, .data = {0xbb, 0xcc}});
  CHECK(RequestHeaderVersion(1, 12) == 2);
  CHECK(RequestHeaderVersion(1, 11) == 1);
  Buffer bytes;
  Writer w(bytes);
  EncodeRequestHeader(header, w);
  const Buffer expected = {0x00, 0x01, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x03,  // Fetch v12, correlation 3
                           0xff, 0xff,                                      // client_id null
                           0x02,                                            // two tagged fields
                           0x02, 0x02, 0xbb, 0xcc,                          // tag 2, size 2
                           0x05, 0x01, 0xaa};                               // tag 5, size 1
  CHECK(bytes == expected);
  Reader r(expected);
  RequestHeader decoded;
  REQUIRE(DecodeRequestHeader(r, &decoded).ok());
  CHECK(r.empty());
  CHECK(decoded.correlation_id == 3);
  CHECK(!decoded.client_id.has_value());
  REQUIRE(decoded.unknown_tagged_fields.size() == 2);
  CHECK(decoded.unknown_tagged_fields[0] == TaggedField{2, {0xbb, 0xcc}});
  CHECK(decoded.unknown_tagged_fields[1] == TaggedField{5, {0xaa}});
}

TEST_CASE("Known bytes: Fetch v12 response writes only non-default tagged fields") {
  FetchResponse response;
  auto& partition = response.responses.emplace_back().partitions.emplace_back();
  partition.current_leader = {.leader_id = 1, .leader_epoch = 2};
  const Buffer bytes = EncodeToBuffer(response, 12);
  // ... partition fields, then: records null (0x00), one tagged field: tag 1, size 9
  // (leader_id, leader_epoch, empty struct tags), then the topic's and top-level tags.
  const Buffer tail = {0x00, 0x01, 0x01, 0x09, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x00, 0x00};
  REQUIRE(bytes.size() > tail.size());
  CHECK(Buffer(bytes.end() - static_cast<ptrdiff_t>(tail.size()), bytes.end()) == tail);
  FetchResponse decoded;
  REQUIRE(DecodeExact(bytes, 12, &decoded).ok());
  CHECK(decoded == response);
  CHECK(decoded.responses[0].partitions[0].diverging_epoch.epoch == -1);
}

TEST_CASE("Records in place: a Fetch response decoded without copying its batches gives each "
          "partition's records as a view of the input, in order, nulls included, in every version") {
  const std::pair<std::optional<std::string>, std::optional<std::string>> kv1[] = {{"k", "v"}};
  const std::pair<std::optional<std::string>, std::optional<std::string>> kv2[] = {{std::nullopt, "w"}};
  FetchResponse response;
  auto& a = response.responses.emplace_back();
  a.topic = "a";
  a.partitions.push_back({.partition_index = 0, .records = MakeRecordBatch(kv1)});
  a.partitions.push_back({.partition_index = 1, .records = std::nullopt});
  auto& b = response.responses.emplace_back();
  b.topic = "b";
  b.partitions.push_back({.partition_index = 7, .records = Buffer{}});
  b.partitions.push_back({.partition_index = 3, .records = MakeRecordBatch(kv2)});

  for (int16_t version : {4, 11, 12}) {
    CAPTURE(version);
    const Buffer bytes = EncodeToBuffer(response, version);
    FetchResponse copied;
    REQUIRE(DecodeExact(bytes, version, &copied).ok());

    Reader r(bytes);
    r.KeepRecordsInPlace();
    FetchResponse in_place;
    REQUIRE(DecodeExact(r, version, &in_place).ok());
    const auto& views = r.records_in_place();
    REQUIRE(views.size() == 4);
    size_t k = 0;
    for (size_t t = 0; t < copied.responses.size(); ++t) {
      for (size_t p = 0; p < copied.responses[t].partitions.size(); ++p, ++k) {
        CAPTURE(k);
        const std::optional<Buffer>& expected = copied.responses[t].partitions[p].records;
        CHECK(!in_place.responses[t].partitions[p].records.has_value());  // left out of the message
        REQUIRE(views[k].has_value() == expected.has_value());
        if (!expected) continue;
        CHECK(Buffer(views[k]->begin(), views[k]->end()) == *expected);
        if (!expected->empty()) {  // a view into the input, not a copy
          CHECK(views[k]->data() >= bytes.data());
          CHECK(views[k]->data() + views[k]->size() <= bytes.data() + bytes.size());
        }
        // Everything else decodes as before.
        in_place.responses[t].partitions[p].records = expected;
      }
    }
    CHECK(in_place == copied);
  }
}

TEST_CASE("Records in place: a records length past the end of the input is rejected") {
  // Fetch v4 partition with records length 100 and 3 bytes left.
  FetchResponse response;
  response.responses.emplace_back().partitions.push_back({.partition_index = 0, .records = Buffer(100, 1)});
  Buffer bytes = EncodeToBuffer(response, 4);
  bytes.resize(bytes.size() - 97);
  Reader r(bytes);
  r.KeepRecordsInPlace();
  FetchResponse decoded;
  const absl::Status status = DecodeExact(r, 4, &decoded);
  CHECK(absl::IsInvalidArgument(status));
  CHECK_MESSAGE(status.message().find("exceeds") != std::string_view::npos, status);
}

TEST_CASE("Known bytes: FindCoordinator v0 and JoinGroup v0 are the small legacy layouts") {
  FindCoordinatorRequest find{.key = "g"};
  CHECK(EncodeToBuffer(find, 0) == Buffer{0x00, 0x01, 'g'});
  CHECK(EncodeToBuffer(find, 1) == Buffer{0x00, 0x01, 'g', 0x00});
  JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10;
  join.member_id = "";
  join.protocol_type = "consumer";
  join.protocols.push_back({.name = "range", .metadata = {0x01}});
  const Buffer expected = Concat({{0x00, 0x01, 'g'},
                                  {0x00, 0x00, 0x00, 0x0a},
                                  {0x00, 0x00},
                                  {0x00, 0x08}, Str("consumer"),
                                  {0x00, 0x00, 0x00, 0x01},
                                  {0x00, 0x05}, Str("range"),
                                  {0x00, 0x00, 0x00, 0x01, 0x01}});
  CHECK(EncodeToBuffer(join, 0) == expected);
}

TEST_CASE("Header versions: flexible APIs use request v2 / response v1 from their threshold") {
  for (const ApiInfo& api : AllApis()) {
    const auto key = static_cast<int16_t>(api.key);
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      const bool flexible = api.first_flexible_version >= 0 && v >= api.first_flexible_version;
      CHECK(RequestHeaderVersion(key, v) == (flexible ? 2 : 1));
      if (api.key != ApiKey::kApiVersions) CHECK(ResponseHeaderVersion(key, v) == (flexible ? 1 : 0));
    }
  }
  CHECK(FindApi(18)->max_version == 3);
  CHECK(FindApi(4) == nullptr);
  // A newer ApiVersions (v4) still gets a readable v2 header and a v0 response header.
  CHECK(RequestHeaderVersion(18, 4) == 2);
  CHECK(ResponseHeaderVersion(18, 4) == 0);
  CHECK(RequestHeaderVersion(999, 0) == 1);
}

}  // namespace
}  // namespace cairn::kafka
