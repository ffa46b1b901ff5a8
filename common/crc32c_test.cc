// Tests for CRC-32C: RFC 3720 vectors, agreement of the hardware and portable
// paths, and chaining with Extend.
#include "common/crc32c.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace cairn::crc32c {
namespace {

Buffer Filled(size_t n, uint8_t byte) { return Buffer(n, byte); }

Buffer Ascending(size_t n) {
  Buffer b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

Buffer RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Buffer b(n);
  for (auto& byte : b) byte = static_cast<uint8_t>(rng());
  return b;
}

TEST_CASE("Crc32c: the empty input has CRC 0") {
  CHECK(Value({}) == 0u);
  CHECK(ExtendPortable(0, {}) == 0u);
  CHECK(Extend(0x12345678u, {}) == 0x12345678u);
}

TEST_CASE("Crc32c: the check string 123456789 gives 0xE3069283") {
  CHECK(Value(AsBytes("123456789")) == 0xE3069283u);
  CHECK(ExtendPortable(0, AsBytes("123456789")) == 0xE3069283u);
}

TEST_CASE("Crc32c: RFC 3720 iSCSI vectors match on both paths") {
  Buffer zeros = Filled(32, 0x00);
  Buffer ones = Filled(32, 0xFF);
  Buffer ascending = Ascending(32);
  Buffer descending(ascending.rbegin(), ascending.rend());
  CHECK(Value(zeros) == 0x8A9136AAu);
  CHECK(Value(ones) == 0x62A8AB43u);
  CHECK(Value(ascending) == 0x46DD794Eu);
  CHECK(Value(descending) == 0x113FDB5Cu);
  CHECK(ExtendPortable(0, zeros) == 0x8A9136AAu);
  CHECK(ExtendPortable(0, ones) == 0x62A8AB43u);
  CHECK(ExtendPortable(0, ascending) == 0x46DD794Eu);
  CHECK(ExtendPortable(0, descending) == 0x113FDB5Cu);
}

TEST_CASE("Crc32c: hardware and portable paths agree on every length and alignment") {
  Buffer data = RandomBytes(300 + 8, 42);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t length = 0; length <= 300; ++length) {
      ByteSpan span(data.data() + offset, length);
      CAPTURE(offset);
      CAPTURE(length);
      REQUIRE(Extend(0, span) == ExtendPortable(0, span));
      REQUIRE(Extend(0xDEADBEEFu, span) == ExtendPortable(0xDEADBEEFu, span));
    }
  }
}

TEST_CASE("Crc32c: the three-lane hardware path agrees with the portable one around every lane boundary") {
  // Lanes of 256 and 4096 bytes: inputs of 3 lanes and more, minus and plus
  // a few bytes, each tier alone and one after the other.
  Buffer data = RandomBytes(5 * 3 * 4096 + 3 * 256 + 64, 9);
  std::vector<size_t> lengths;
  for (size_t base : {size_t{3 * 256}, size_t{6 * 256}, size_t{3 * 4096}, size_t{3 * 4096 + 3 * 256},
                      size_t{2 * 3 * 4096}, size_t{5 * 3 * 4096 + 3 * 256}}) {
    for (size_t delta = 0; delta <= 17; ++delta) {
      lengths.push_back(base - delta);
      lengths.push_back(base + delta);
    }
  }
  for (size_t offset : {size_t{0}, size_t{1}, size_t{7}}) {
    for (size_t length : lengths) {
      if (offset + length > data.size()) continue;
      ByteSpan span(data.data() + offset, length);
      CAPTURE(offset);
      CAPTURE(length);
      REQUIRE(Extend(0, span) == ExtendPortable(0, span));
      REQUIRE(Extend(0x9E3779B9u, span) == ExtendPortable(0x9E3779B9u, span));
      REQUIRE(ExtendOneLane(0x9E3779B9u, span) == ExtendPortable(0x9E3779B9u, span));
    }
  }
  // A batch-sized input of one repeated byte (zeros are the case a wrong
  // shift table would most easily hide).
  for (uint8_t byte : {uint8_t{0x00}, uint8_t{0xFF}}) {
    Buffer same = Filled(1 << 20, byte);
    REQUIRE(Value(same) == ExtendPortable(0, same));
  }
}

TEST_CASE("Crc32c: Extend over two pieces equals Value over the whole") {
  Buffer data = RandomBytes(257, 7);
  uint32_t whole = Value(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    ByteSpan all(data);
    CAPTURE(split);
    REQUIRE(Extend(Extend(0, all.first(split)), all.subspan(split)) == whole);
    REQUIRE(ExtendPortable(ExtendPortable(0, all.first(split)), all.subspan(split)) == whole);
  }
}

TEST_CASE("Crc32c: a single flipped bit changes the CRC") {
  Buffer data = RandomBytes(64, 3);
  uint32_t original = Value(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    REQUIRE(Value(data) != original);
    data[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  CHECK(Value(data) == original);
}

}  // namespace
}  // namespace cairn::crc32c
