#include "storage/segment_index.h"

#include <doctest/doctest.h>

#include "storage/segment_files.h"

namespace cairn::storage {
namespace {

TEST_CASE("OffsetIndex: Floor finds the last entry at or before an offset") {
  OffsetIndex index;
  index.Append(0, 0);
  index.Append(10, 4096);
  index.Append(25, 8200);
  CHECK_FALSE(OffsetIndex().Floor(3).has_value());
  CHECK(index.Floor(0)->position == 0);
  CHECK(index.Floor(9)->position == 0);
  CHECK(index.Floor(10)->position == 4096);
  CHECK(index.Floor(1000)->relative_offset == 25);
}

TEST_CASE("OffsetIndex: encodes as 8-byte big-endian entries and decodes back") {
  OffsetIndex index;
  index.Append(1, 2);
  index.Append(0x01020304, 0x0a0b0c0d);
  Buffer bytes = index.Encode();
  CHECK(bytes == Buffer{0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d});
  auto decoded = OffsetIndex::Decode(bytes, 0x10000000);
  REQUIRE(decoded.ok());
  CHECK(decoded->entries() == index.entries());
}

TEST_CASE("OffsetIndex: a torn, unordered or out-of-file index is rejected") {
  OffsetIndex index;
  index.Append(1, 100);
  index.Append(2, 200);
  Buffer bytes = index.Encode();
  CHECK_FALSE(OffsetIndex::Decode(ByteSpan(bytes).subspan(0, 12), 1000).ok());
  CHECK_FALSE(OffsetIndex::Decode(bytes, 150).ok());
  std::swap_ranges(bytes.begin(), bytes.begin() + 8, bytes.begin() + 8);
  CHECK_FALSE(OffsetIndex::Decode(bytes, 1000).ok());
}

TEST_CASE("TimeIndex: LastBefore returns the newest entry strictly older than the target") {
  TimeIndex index;
  index.Append(100, 0);
  index.Append(200, 5);
  CHECK_FALSE(index.LastBefore(100).has_value());
  CHECK(index.LastBefore(101)->relative_offset == 0);
  CHECK(index.LastBefore(200)->relative_offset == 0);
  CHECK(index.LastBefore(201)->relative_offset == 5);
  auto decoded = TimeIndex::Decode(index.Encode());
  REQUIRE(decoded.ok());
  CHECK(decoded->entries() == index.entries());
  CHECK(index.Encode().size() == 24);
}

TEST_CASE("Segment files: names are 20-digit base offsets with a suffix") {
  CHECK(SegmentStem(1234) == "00000000000000001234");
  CHECK(SegmentPath("/d", 7, kIndexSuffix) == "/d/00000000000000000007.index");
  CHECK(ParseSegmentName("00000000000000001234.log", kLogSuffix) == 1234);
  CHECK_FALSE(ParseSegmentName("00000000000000001234.index", kLogSuffix).has_value());
  CHECK_FALSE(ParseSegmentName("0000000000000000123x.log", kLogSuffix).has_value());
  CHECK_FALSE(ParseSegmentName("1234.log", kLogSuffix).has_value());
  CHECK(ParseSegmentName("00000000000000000009.log.swap", kSwapSuffix) == 9);
}

}  // namespace
}  // namespace cairn::storage
