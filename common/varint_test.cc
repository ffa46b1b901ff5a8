// Tests for Kafka varints: exact encodings, round trips over edge values, and
// rejection of truncated and over-long input.
#include "common/varint.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/status.h"

namespace cairn::varint {
namespace {

Buffer EncodeUnsigned32(uint32_t v) {
  Buffer out;
  AppendUnsigned32(out, v);
  return out;
}
Buffer EncodeUnsigned64(uint64_t v) {
  Buffer out;
  AppendUnsigned64(out, v);
  return out;
}
Buffer EncodeSigned32(int32_t v) {
  Buffer out;
  AppendSigned32(out, v);
  return out;
}
Buffer EncodeSigned64(int64_t v) {
  Buffer out;
  AppendSigned64(out, v);
  return out;
}

TEST_CASE("Varint: unsigned values encode as little-endian base-128 groups") {
  CHECK(EncodeUnsigned32(0) == Buffer{0x00});
  CHECK(EncodeUnsigned32(1) == Buffer{0x01});
  CHECK(EncodeUnsigned32(127) == Buffer{0x7F});
  CHECK(EncodeUnsigned32(128) == Buffer{0x80, 0x01});
  CHECK(EncodeUnsigned32(300) == Buffer{0xAC, 0x02});
  CHECK(EncodeUnsigned32(UINT32_MAX) == Buffer{0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(EncodeUnsigned64(300) == Buffer{0xAC, 0x02});
  CHECK(EncodeUnsigned64(UINT64_MAX) == Buffer{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
}

TEST_CASE("Varint: signed values are zigzag encoded") {
  CHECK(EncodeSigned32(0) == Buffer{0x00});
  CHECK(EncodeSigned32(-1) == Buffer{0x01});
  CHECK(EncodeSigned32(1) == Buffer{0x02});
  CHECK(EncodeSigned32(-2) == Buffer{0x03});
  CHECK(EncodeSigned32(2) == Buffer{0x04});
  CHECK(EncodeSigned32(-64) == Buffer{0x7F});
  CHECK(EncodeSigned32(64) == Buffer{0x80, 0x01});
  CHECK(EncodeSigned32(INT32_MAX) == Buffer{0xFE, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(EncodeSigned32(INT32_MIN) == Buffer{0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(EncodeSigned64(-1) == Buffer{0x01});
  CHECK(EncodeSigned64(INT64_MAX) == Buffer{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  CHECK(EncodeSigned64(INT64_MIN) == Buffer{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
}

TEST_CASE("Varint: sizes match the encoded lengths") {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{16383}, uint64_t{16384}, uint64_t{UINT32_MAX},
                     UINT64_MAX}) {
    CAPTURE(v);
    CHECK(SizeUnsigned64(v) == EncodeUnsigned64(v).size());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64}, INT64_MIN, INT64_MAX}) {
    CAPTURE(v);
    CHECK(SizeSigned64(v) == EncodeSigned64(v).size());
  }
  CHECK(SizeUnsigned64(UINT64_MAX) == kMaxVarint64Bytes);
  CHECK(SizeSigned64(-1) == 1);
}

TEST_CASE("Varint: 32-bit values round trip at the edges") {
  for (int32_t v : {0, 1, -1, 63, -64, 64, -65, INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1}) {
    CAPTURE(v);
    Buffer encoded = EncodeSigned32(v);
    ByteSpan in(encoded);
    absl::StatusOr<int32_t> decoded = ReadSigned32(in);
    REQUIRE(decoded.ok());
    CHECK(*decoded == v);
    CHECK(in.empty());
  }
  for (uint32_t v : {0u, 1u, 127u, 128u, 300u, 0x0FFFFFFFu, 0x10000000u, UINT32_MAX}) {
    CAPTURE(v);
    Buffer encoded = EncodeUnsigned32(v);
    ByteSpan in(encoded);
    absl::StatusOr<uint32_t> decoded = ReadUnsigned32(in);
    REQUIRE(decoded.ok());
    CHECK(*decoded == v);
    CHECK(in.empty());
  }
}

TEST_CASE("Varint: 64-bit values round trip at the edges") {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{INT32_MIN}, int64_t{INT32_MAX}, INT64_MIN,
                    INT64_MIN + 1, INT64_MAX, INT64_MAX - 1}) {
    CAPTURE(v);
    Buffer encoded = EncodeSigned64(v);
    ByteSpan in(encoded);
    absl::StatusOr<int64_t> decoded = ReadSigned64(in);
    REQUIRE(decoded.ok());
    CHECK(*decoded == v);
    CHECK(in.empty());
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{300}, uint64_t{1} << 63, UINT64_MAX}) {
    CAPTURE(v);
    Buffer encoded = EncodeUnsigned64(v);
    ByteSpan in(encoded);
    absl::StatusOr<uint64_t> decoded = ReadUnsigned64(in);
    REQUIRE(decoded.ok());
    CHECK(*decoded == v);
    CHECK(in.empty());
  }
}

TEST_CASE("Varint: decoders consume only their own bytes") {
  Buffer data{0xAC, 0x02, 0x01, 0x7F};
  ByteSpan in(data);
  CHECK(*ReadUnsigned32(in) == 300u);
  CHECK(in.size() == 2);
  CHECK(*ReadSigned32(in) == -1);
  CHECK(*ReadSigned64(in) == -64);
  CHECK(in.empty());
}

TEST_CASE("Varint: truncated input is rejected and not consumed") {
  for (Buffer data : {Buffer{}, Buffer{0x80}, Buffer{0xFF, 0xFF}, Buffer{0xFF, 0xFF, 0xFF, 0xFF}}) {
    CAPTURE(data.size());
    ByteSpan in(data);
    CHECK(ReadUnsigned32(in).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReadSigned32(in).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReadUnsigned64(in).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReadSigned64(in).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(in.size() == data.size());
  }
  Buffer nine(9, 0xFF);
  ByteSpan in(nine);
  CHECK(ReadUnsigned64(in).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Varint: encodings longer than the type allows are rejected") {
  Buffer six{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  ByteSpan in32(six);
  CHECK(ReadUnsigned32(in32).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReadSigned32(in32).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(in32.size() == 6);

  Buffer eleven{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  ByteSpan in64(eleven);
  CHECK(ReadUnsigned64(in64).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReadSigned64(in64).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Varint: a last byte whose bits overflow the type is rejected") {
  // The 5th byte of a 32-bit varint may carry only 4 bits.
  Buffer overflow32{0xFF, 0xFF, 0xFF, 0xFF, 0x10};
  ByteSpan in32(overflow32);
  CHECK(ReadUnsigned32(in32).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReadSigned32(in32).status().code() == absl::StatusCode::kInvalidArgument);
  Buffer max32{0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  ByteSpan ok32(max32);
  CHECK(*ReadUnsigned32(ok32) == UINT32_MAX);

  // The 10th byte of a 64-bit varint may carry only 1 bit.
  Buffer overflow64{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
  ByteSpan in64(overflow64);
  CHECK(ReadUnsigned64(in64).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReadSigned64(in64).status().code() == absl::StatusCode::kInvalidArgument);
  Buffer max64{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  ByteSpan ok64(max64);
  CHECK(*ReadUnsigned64(ok64) == UINT64_MAX);
}

TEST_CASE("Varint: a 64-bit varint does not fit a 32-bit reader") {
  Buffer encoded = EncodeUnsigned64(uint64_t{1} << 32);
  ByteSpan in(encoded);
  CHECK(ReadUnsigned32(in).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::varint
