// Tests of the codec runtime primitives: exact encodings of each primitive
// type and the reader's bounds checks.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::kafka {
namespace {

TEST_CASE("Writer: fixed-width integers are big-endian") {
  Buffer out;
  Writer w(out);
  w.WriteInt8(-1);
  w.WriteInt16(0x0102);
  w.WriteInt32(-2);
  w.WriteInt64(0x0102030405060708);
  w.WriteUint32(0xdeadbeef);
  w.WriteBool(true);
  CHECK(out == Buffer{0xff, 0x01, 0x02, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 0xde, 0xad, 0xbe, 0xef, 0x01});
  Reader r(out);
  int8_t i8 = 0;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  uint32_t u32 = 0;
  bool b = false;
  REQUIRE(r.ReadInt8(&i8).ok());
  REQUIRE(r.ReadInt16(&i16).ok());
  REQUIRE(r.ReadInt32(&i32).ok());
  REQUIRE(r.ReadInt64(&i64).ok());
  REQUIRE(r.ReadUint32(&u32).ok());
  REQUIRE(r.ReadBool(&b).ok());
  CHECK(i8 == -1);
  CHECK(i16 == 0x0102);
  CHECK(i32 == -2);
  CHECK(i64 == 0x0102030405060708);
  CHECK(u32 == 0xdeadbeef);
  CHECK(b);
  CHECK(r.empty());
  CHECK(!r.ReadInt8(&i8).ok());
}

TEST_CASE("Writer: strings, bytes and arrays in classic and compact form") {
  Buffer out;
  Writer w(out);
  w.WriteString("hi", false);
  w.WriteString("hi", true);
  w.WriteNullableString(std::nullopt, false);
  w.WriteNullableString(std::nullopt, true);
  w.WriteBytes(Buffer{9}, false);
  w.WriteBytes(Buffer{9}, true);
  w.WriteNullableBytes(std::nullopt, false);
  w.WriteArrayLength(2, false);
  w.WriteArrayLength(2, true);
  w.WriteNullArray(false);
  w.WriteNullArray(true);
  CHECK(out == Buffer{0x00, 0x02, 'h', 'i', 0x03, 'h', 'i', 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 9, 0x02, 9,
                      0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x02, 0x03, 0xff, 0xff, 0xff, 0xff, 0x00});
  Reader r(out);
  std::string s;
  std::optional<std::string> ns;
  Buffer bytes;
  std::optional<Buffer> nbytes;
  int32_t count = 0;
  REQUIRE(r.ReadString(&s, false).ok());
  CHECK(s == "hi");
  REQUIRE(r.ReadString(&s, true).ok());
  CHECK(s == "hi");
  REQUIRE(r.ReadNullableString(&ns, false).ok());
  CHECK(!ns);
  REQUIRE(r.ReadNullableString(&ns, true).ok());
  CHECK(!ns);
  REQUIRE(r.ReadBytes(&bytes, false).ok());
  CHECK(bytes == Buffer{9});
  REQUIRE(r.ReadBytes(&bytes, true).ok());
  CHECK(bytes == Buffer{9});
  REQUIRE(r.ReadNullableBytes(&nbytes, false).ok());
  CHECK(!nbytes);
  // Counts are checked against the bytes left: 2 elements need >= 2 bytes.
  REQUIRE(r.ReadArrayLength(&count, false, false).ok());
  CHECK(count == 2);
  REQUIRE(r.ReadArrayLength(&count, true, false).ok());
  CHECK(count == 2);
  CHECK(!Reader(Buffer{0xff, 0xff, 0xff, 0xff}).ReadArrayLength(&count, false, false).ok());
  REQUIRE(r.ReadArrayLength(&count, false, true).ok());
  CHECK(count == -1);
  REQUIRE(r.ReadArrayLength(&count, true, true).ok());
  CHECK(count == -1);
  CHECK(r.empty());
}

TEST_CASE("Reader: an array count larger than the bytes left is rejected") {
  Buffer bytes = {0x00, 0x00, 0x00, 0x03, 0x01, 0x02};
  Reader r(bytes);
  int32_t count = 0;
  absl::Status s = r.ReadArrayLength(&count, false, false);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()) == "array count 3 exceeds the 2 bytes left");
}

TEST_CASE("Writer: varints, varlongs, uuids and float64 round-trip") {
  Buffer out;
  Writer w(out);
  w.WriteUnsignedVarint(300);
  w.WriteVarint(-1);
  w.WriteVarlong(std::numeric_limits<int64_t>::min());
  Uuid u;
  u.bytes[0] = 1;
  u.bytes[15] = 2;
  w.WriteUuid(u);
  w.WriteFloat64(1.5);
  CHECK(Buffer(out.begin(), out.begin() + 3) == Buffer{0xac, 0x02, 0x01});
  Reader r(out);
  uint32_t uv = 0;
  int32_t v = 0;
  int64_t vl = 0;
  Uuid ru;
  double d = 0;
  REQUIRE(r.ReadUnsignedVarint(&uv).ok());
  REQUIRE(r.ReadVarint(&v).ok());
  REQUIRE(r.ReadVarlong(&vl).ok());
  REQUIRE(r.ReadUuid(&ru).ok());
  REQUIRE(r.ReadFloat64(&d).ok());
  CHECK(uv == 300);
  CHECK(v == -1);
  CHECK(vl == std::numeric_limits<int64_t>::min());
  CHECK(ru == u);
  CHECK(d == 1.5);
  CHECK(r.empty());
}

TEST_CASE("Writer: tagged fields are written in ascending tag order") {
  Buffer out;
  Writer w(out);
  std::vector<TaggedField> fields = {{7, {1}}, {0, {}}, {3, {2, 3}}};
  w.WriteTaggedFields(fields);
  CHECK(out == Buffer{0x03, 0x00, 0x00, 0x03, 0x02, 2, 3, 0x07, 0x01, 1});
}

TEST_CASE("Reader: IsValidUtf8 accepts all valid forms and rejects the invalid ones") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  CHECK(!IsValidUtf8("\x80"));
  CHECK(!IsValidUtf8("\xe0\x80\x80"));  // overlong
  CHECK(!IsValidUtf8("\xf8\x88\x80\x80\x80"));
}

}  // namespace
}  // namespace cairn::kafka
