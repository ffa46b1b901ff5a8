#include "client/group/consumer_protocol.h"

#include <doctest/doctest.h>

namespace cairn::client::group {
namespace {

// Expected bytes are written out from Kafka's published schemas
// (ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json):
// INT16 version, then the fields of that version, classic encodings.
Buffer B(std::initializer_list<int> bytes) {
  Buffer out;
  for (int b : bytes) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST_CASE("consumer protocol: a v0 subscription is version, topic array and null user data") {
  Subscription s;
  s.topics = {"t"};
  CHECK(EncodeSubscription(s, 0) == B({0, 0, /*topics*/ 0, 0, 0, 1, 0, 1, 't', /*user_data null*/ 0xff, 0xff, 0xff, 0xff}));
}

TEST_CASE("consumer protocol: a v1 subscription appends owned partitions grouped by topic") {
  Subscription s;
  s.topics = {"a", "b"};
  s.user_data = B({0, 0, 0, 5});
  s.owned_partitions = {{"a", {0, 2}}};
  const Buffer expected = B({0, 1,                                        // version 1
                             0, 0, 0, 2, 0, 1, 'a', 0, 1, 'b',            // topics
                             0, 0, 0, 4, 0, 0, 0, 5,                      // user_data
                             0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 2,           // owned: one topic, two partitions
                             0, 0, 0, 0, 0, 0, 0, 2});
  CHECK(EncodeSubscription(s, 1) == expected);
  int16_t version = -1;
  auto decoded = DecodeSubscription(expected, &version);
  REQUIRE(decoded.ok());
  CHECK(version == 1);
  CHECK(*decoded == s);
  // v0 has no owned partitions: they are not written.
  CHECK(EncodeSubscription(s, 0).size() == expected.size() - 19);
}

TEST_CASE("consumer protocol: v2 adds the generation and v3 the rack id") {
  Subscription s;
  s.topics = {"t"};
  s.generation_id = 7;
  s.rack_id = "r1";
  const Buffer v3 = B({0, 3, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff, /*owned*/ 0, 0, 0, 0,
                       /*generation*/ 0, 0, 0, 7, /*rack*/ 0, 2, 'r', '1'});
  CHECK(EncodeSubscription(s, 3) == v3);
  auto decoded = DecodeSubscription(v3);
  REQUIRE(decoded.ok());
  CHECK(*decoded == s);
  auto v2 = DecodeSubscription(EncodeSubscription(s, 2));
  REQUIRE(v2.ok());
  CHECK(v2->generation_id == 7);
  CHECK(!v2->rack_id);
}

TEST_CASE("consumer protocol: an assignment is version, partitions by topic and user data") {
  Assignment a;
  a.assigned_partitions = {{"t", {1}}, {"u", {}}};
  const Buffer expected = B({0, 1, 0, 0, 0, 2, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 'u', 0, 0, 0, 0,
                             0xff, 0xff, 0xff, 0xff});
  CHECK(EncodeAssignment(a, 1) == expected);
  auto decoded = DecodeAssignment(expected);
  REQUIRE(decoded.ok());
  CHECK(*decoded == a);
  // v0..v3 share the layout: only the version differs.
  Buffer v0 = expected;
  v0[1] = 0;
  CHECK(EncodeAssignment(a, 0) == v0);
}

TEST_CASE("consumer protocol: a newer version is read as ours and its appended fields are ignored") {
  Buffer future = B({0, 9, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 4, 0xff, 0xff,
                     /*a field from version 9*/ 1, 2, 3});
  int16_t version = 0;
  auto s = DecodeSubscription(future, &version);
  REQUIRE(s.ok());
  CHECK(version == 9);
  CHECK(s->topics == std::vector<std::string>{"t"});
  CHECK(s->generation_id == 4);
  auto a = DecodeAssignment(B({0, 5, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 9, 9}));
  REQUIRE(a.ok());
  CHECK(a->assigned_partitions.empty());
}

TEST_CASE("consumer protocol: decoders reject lies, truncation, negative versions and leftovers") {
  // A topic count far beyond the bytes.
  CHECK(!DecodeSubscription(B({0, 0, 0x7f, 0xff, 0xff, 0xff})).ok());
  // A partition count that fits one byte per element but not four.
  CHECK(!DecodeAssignment(B({0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})).ok());
  // Null topic arrays are not allowed; negative string lengths other than -1 neither.
  CHECK(!DecodeSubscription(B({0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})).ok());
  CHECK(!DecodeSubscription(B({0, 0, 0, 0, 0, 1, 0xff, 0xfe})).ok());
  CHECK(!DecodeSubscription(B({0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})).ok());
  // A version we know must span its bytes exactly.
  CHECK(!DecodeSubscription(B({0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0})).ok());
  // Every strict prefix of a valid message fails.
  Subscription s;
  s.topics = {"topic"};
  s.user_data = B({1, 2});
  s.owned_partitions = {{"topic", {3, 4}}};
  const Buffer full = EncodeSubscription(s, 3);
  for (size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    CHECK(!DecodeSubscription(ByteSpan(full.data(), n)).ok());
  }
  auto error = DecodeSubscription(B({0, 0, 0x7f, 0xff, 0xff, 0xff}));
  CHECK(error.status().message() == "ConsumerProtocolSubscription: array count 2147483647 exceeds the 0 bytes left");
}

TEST_CASE("consumer protocol: Flatten and GroupByTopic sort and deduplicate") {
  const std::vector<TopicPartition> flat = Flatten({{"b", {1, 0}}, {"a", {2, 2}}});
  CHECK(flat == std::vector<TopicPartition>{{"a", 2}, {"b", 0}, {"b", 1}});
  CHECK(GroupByTopic({{"b", 1}, {"a", 2}, {"b", 0}}) == std::vector<TopicPartitions>{{"a", {2}}, {"b", {0, 1}}});
}

}  // namespace
}  // namespace cairn::client::group
