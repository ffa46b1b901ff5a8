// ConsumerProtocolSubscription / ConsumerProtocolAssignment against bytes
// written out from Kafka's published schemas (ConsumerProtocolSubscription.json,
// ConsumerProtocolAssignment.json): INT16 version, then the fields of that
// version, classic encodings.
#include "proto/kafka/consumer_protocol.h"

#include <doctest/doctest.h>

namespace cairn::kafka {
namespace {

Buffer B(std::initializer_list<int> bytes) {
  Buffer out;
  for (int b : bytes) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST_CASE("consumer protocol: a v0 subscription is version, topic array and null user data") {
  ConsumerProtocolSubscription s;
  s.topics = {"t"};
  CHECK(EncodeConsumerSubscription(s, 0) == B({0, 0, /*topics*/ 0, 0, 0, 1, 0, 1, 't', /*user_data null*/ 0xff, 0xff, 0xff, 0xff}));
}

TEST_CASE("consumer protocol: a v1 subscription appends owned partitions grouped by topic") {
  ConsumerProtocolSubscription s;
  s.topics = {"a", "b"};
  s.user_data = B({0, 0, 0, 5});
  s.owned_partitions = {{"a", {0, 2}}};
  const Buffer expected = B({0, 1,                                        // version 1
                             0, 0, 0, 2, 0, 1, 'a', 0, 1, 'b',            // topics
                             0, 0, 0, 4, 0, 0, 0, 5,                      // user_data
                             0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 2,           // owned: one topic, two partitions
                             0, 0, 0, 0, 0, 0, 0, 2});
  CHECK(EncodeConsumerSubscription(s, 1) == expected);
  int16_t version = -1;
  auto decoded = DecodeConsumerSubscription(expected, &version);
  REQUIRE(decoded.ok());
  CHECK(version == 1);
  CHECK(*decoded == s);
  // v0 has no owned partitions: they are not written.
  CHECK(EncodeConsumerSubscription(s, 0).size() == expected.size() - 19);
}

TEST_CASE("consumer protocol: v2 adds the generation and v3 the rack id") {
  ConsumerProtocolSubscription s;
  s.topics = {"t"};
  s.generation_id = 7;
  s.rack_id = "r1";
  const Buffer v3 = B({0, 3, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff, /*owned*/ 0, 0, 0, 0,
                       /*generation*/ 0, 0, 0, 7, /*rack*/ 0, 2, 'r', '1'});
  CHECK(EncodeConsumerSubscription(s, 3) == v3);
  auto decoded = DecodeConsumerSubscription(v3);
  REQUIRE(decoded.ok());
  CHECK(*decoded == s);
  auto v2 = DecodeConsumerSubscription(EncodeConsumerSubscription(s, 2));
  REQUIRE(v2.ok());
  CHECK(v2->generation_id == 7);
  CHECK(!v2->rack_id);
}

TEST_CASE("consumer protocol: an assignment is version, partitions by topic and user data") {
  ConsumerProtocolAssignment a;
  a.assigned_partitions = {{"t", {1}}, {"u", {}}};
  const Buffer expected = B({0, 1, 0, 0, 0, 2, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 'u', 0, 0, 0, 0,
                             0xff, 0xff, 0xff, 0xff});
  CHECK(EncodeConsumerAssignment(a, 1) == expected);
  auto decoded = DecodeConsumerAssignment(expected);
  REQUIRE(decoded.ok());
  CHECK(*decoded == a);
  // v0..v3 share the layout: only the version differs.
  Buffer v0 = expected;
  v0[1] = 0;
  CHECK(EncodeConsumerAssignment(a, 0) == v0);
}

TEST_CASE("consumer protocol: a newer version is read as ours and its appended fields are ignored") {
  Buffer future = B({0, 9, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 4, 0xff, 0xff,
                     /*a field from version 9*/ 1, 2, 3});
  int16_t version = 0;
  auto s = DecodeConsumerSubscription(future, &version);
  REQUIRE(s.ok());
  CHECK(version == 9);
  CHECK(s->topics == std::vector<std::string>{"t"});
  CHECK(s->generation_id == 4);
  auto a = DecodeConsumerAssignment(B({0, 5, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 9, 9}));
  REQUIRE(a.ok());
  CHECK(a->assigned_partitions.empty());
}

TEST_CASE("consumer protocol: decoders reject lies, truncation, negative versions and leftovers") {
  // A topic count far beyond the bytes.
  CHECK(!DecodeConsumerSubscription(B({0, 0, 0x7f, 0xff, 0xff, 0xff})).ok());
  // A partition count that fits one byte per element but not four.
  CHECK(!DecodeConsumerAssignment(B({0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})).ok());
  // Null topic arrays are not allowed; negative string lengths other than -1 neither.
  CHECK(!DecodeConsumerSubscription(B({0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})).ok());
  CHECK(!DecodeConsumerSubscription(B({0, 0, 0, 0, 0, 1, 0xff, 0xfe})).ok());
  CHECK(!DecodeConsumerSubscription(B({0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})).ok());
  // A version we know must span its bytes exactly.
  CHECK(!DecodeConsumerSubscription(B({0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0})).ok());
  // Every strict prefix of a valid message fails.
  ConsumerProtocolSubscription s;
  s.topics = {"topic"};
  s.user_data = B({1, 2});
  s.owned_partitions = {{"topic", {3, 4}}};
  const Buffer full = EncodeConsumerSubscription(s, 3);
  for (size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    CHECK(!DecodeConsumerSubscription(ByteSpan(full.data(), n)).ok());
  }
  auto error = DecodeConsumerSubscription(B({0, 0, 0x7f, 0xff, 0xff, 0xff}));
  CHECK(error.status().message() == "ConsumerProtocolSubscription: array count 2147483647 exceeds the 0 bytes left");
}

TEST_CASE("consumer protocol: a topic or partition count is checked against its element size") {
  // Five topics claimed, six bytes left: one byte per element would pass, an
  // INT16 string length per topic cannot.
  auto s = DecodeConsumerSubscription(B({0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0}));
  REQUIRE(!s.ok());
  CHECK(s.status().message() == "ConsumerProtocolSubscription: topic count 5 exceeds the 6 bytes left");
  // Owned partitions: two topics claimed in eight bytes; each needs at least six.
  auto owned = DecodeConsumerSubscription(
      B({0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}));
  REQUIRE(!owned.ok());
  CHECK(owned.status().message() == "ConsumerProtocolSubscription: topic count 2 exceeds the 8 bytes left");
}

TEST_CASE("consumer protocol: what librdkafka sends decodes (v0 with user data, v3 with a null rack)") {
  // librdkafka's range assignor, subscription v0, topics ["orders"], empty user data.
  auto v0 = DecodeConsumerSubscription(B({0, 0, 0, 0, 0, 1, 0, 6, 'o', 'r', 'd', 'e', 'r', 's', 0, 0, 0, 0}));
  REQUIRE(v0.ok());
  CHECK(v0->topics == std::vector<std::string>{"orders"});
  CHECK(v0->user_data == Buffer{});
  // v3: no owned partitions, generation -1, rack null.
  int16_t version = 0;
  auto v3 = DecodeConsumerSubscription(B({0, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff}),
                                       &version);
  REQUIRE(v3.ok());
  CHECK(version == 3);
  CHECK(v3->generation_id == -1);
  CHECK(!v3->rack_id);
  CHECK(EncodeConsumerSubscription(*v3, 3).size() == 20);
}

}  // namespace
}  // namespace cairn::kafka
