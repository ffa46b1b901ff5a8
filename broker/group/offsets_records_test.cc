#include "broker/group/offsets_records.h"

#include <doctest/doctest.h>

#include "broker/group/coordinator_partition.h"

namespace cairn::broker::group {
namespace {

Buffer Hex(std::initializer_list<int> bytes) {
  Buffer out;
  for (int b : bytes) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST_CASE("offsets records: an offset key is version 1, group, topic, partition in Kafka's layout") {
  const Buffer key = EncodeOffsetKey({"g", "t", 3});
  CHECK(key == Hex({0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3}));
  auto decoded = DecodeRecordKey(key);
  REQUIRE(decoded.ok());
  CHECK(std::get<OffsetKey>(*decoded) == OffsetKey{"g", "t", 3});
}

TEST_CASE("offsets records: a group key is version 2 and the group id") {
  const Buffer key = EncodeGroupKey({"grp"});
  CHECK(key == Hex({0, 2, 0, 3, 'g', 'r', 'p'}));
  auto decoded = DecodeRecordKey(key);
  REQUIRE(decoded.ok());
  CHECK(std::get<GroupKey>(*decoded).group == "grp");
}

TEST_CASE("offsets records: version 0 keys (older Kafka) decode as offset keys") {
  auto decoded = DecodeRecordKey(Hex({0, 0, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 9}));
  REQUIRE(decoded.ok());
  CHECK(std::get<OffsetKey>(*decoded) == OffsetKey{"g", "t", 9});
}

TEST_CASE("offsets records: an offset value is written as version 3 and read back") {
  OffsetValue value{1234, 7, "meta", 1700000000000, -1};
  const Buffer bytes = EncodeOffsetValue(value);
  CHECK(bytes == Hex({0, 3, 0, 0, 0, 0, 0, 0, 0x04, 0xd2, 0, 0, 0, 7, 0, 4, 'm', 'e', 't', 'a', 0, 0, 0x01, 0x8b,
                      0xcf, 0xe5, 0x68, 0x00}));
  auto decoded = DecodeOffsetValue(bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == value);
}

TEST_CASE("offsets records: offset values of versions 0 and 1 decode") {
  auto v0 = DecodeOffsetValue(Hex({0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}));
  REQUIRE(v0.ok());
  CHECK(v0->offset == 5);
  CHECK(v0->leader_epoch == -1);
  CHECK(v0->commit_timestamp == 9);
  auto v1 = DecodeOffsetValue(
      Hex({0, 1, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3}));
  REQUIRE(v1.ok());
  CHECK(v1->offset == 6);
  CHECK(v1->metadata == "x");
  CHECK(v1->commit_timestamp == 2);
  CHECK(v1->expire_timestamp == 3);
}

TEST_CASE("offsets records: a group value round-trips every member field") {
  GroupValue value;
  value.protocol_type = "consumer";
  value.generation = 4;
  value.protocol = "range";
  value.leader = "m1";
  value.current_state_timestamp = 99;
  value.members.push_back({"m1", std::nullopt, "c1", "/127.0.0.1", 30000, 10000, "sub1", "asg1"});
  value.members.push_back({"m2", "instance-2", "c2", "/127.0.0.2", 40000, 6000, "sub2", ""});
  auto decoded = DecodeGroupValue(EncodeGroupValue(value));
  REQUIRE(decoded.ok());
  CHECK(*decoded == value);
}

TEST_CASE("offsets records: a group value is v2 without static members and v3 with one") {
  GroupValue value;
  value.protocol_type = "consumer";
  value.members.push_back({"m1", std::nullopt, "c1", "h", 30000, 10000, "", ""});
  CHECK(EncodeGroupValue(value)[1] == 2);
  auto v2 = DecodeGroupValue(EncodeGroupValue(value));
  REQUIRE(v2.ok());
  CHECK(*v2 == value);
  value.members.push_back({"m2", "instance", "c2", "h", 30000, 10000, "", ""});
  CHECK(EncodeGroupValue(value)[1] == 3);
  auto v3 = DecodeGroupValue(EncodeGroupValue(value));
  REQUIRE(v3.ok());
  CHECK(*v3 == value);
}

TEST_CASE("offsets records: an empty group value has null protocol and leader") {
  GroupValue value;
  value.protocol_type = "consumer";
  value.generation = 2;
  const Buffer bytes = EncodeGroupValue(value);
  CHECK(bytes == Hex({0, 2, 0, 8, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}));
}

TEST_CASE("offsets records: unknown versions, truncation and trailing bytes are refused") {
  CHECK(absl::IsInvalidArgument(DecodeRecordKey(Hex({0, 3, 0, 1, 'g'})).status()));
  CHECK(!DecodeRecordKey(Hex({0, 1, 0, 5, 'g'})).ok());
  CHECK(!DecodeRecordKey(Hex({0, 2, 0, 1, 'g', 'x'})).ok());
  CHECK(!DecodeOffsetValue(Hex({0, 4, 0, 0, 0, 0, 0, 0, 0, 5})).ok());
  CHECK(!DecodeOffsetValue(Hex({0, 3, 0, 0})).ok());
  // A member count far larger than the bytes left is an error, not an allocation.
  CHECK(!DecodeGroupValue(Hex({0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})).ok());
}

TEST_CASE("coordinator partition: Java String.hashCode over UTF-16, as Kafka picks the partition") {
  CHECK(JavaStringHash("") == 0);
  CHECK(JavaStringHash("a") == 97);
  CHECK(JavaStringHash("hello") == 99162322);
  // é is one UTF-16 unit (U+00E9); 😀 (U+1F600) is the pair D83D DE00.
  CHECK(JavaStringHash("\xc3\xa9") == 0xE9);
  CHECK(JavaStringHash("\xf0\x9f\x98\x80") == 0xD83D * 31 + 0xDE00);
  // "my-group".hashCode() is negative: Kafka takes its absolute value.
  CHECK(JavaStringHash("my-group") == -1906497762);
  CHECK(CoordinatorPartitionFor("my-group", 50) == 1906497762 % 50);
  CHECK(CoordinatorPartitionFor("hello", 50) == 99162322 % 50);
}

}  // namespace
}  // namespace cairn::broker::group
