// Tests for the record codecs: round trips, corrupt input, the decompression
// cap (bombs), and the xerial snappy framing the Java client writes.
#include "common/compression.h"

#include <doctest/doctest.h>
#include <snappy.h>

#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace cairn {
namespace {

constexpr Compression kAllCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                      Compression::kZstd};
constexpr Compression kRealCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd};
constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kNoCap = 256 * kMiB;

Buffer RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Buffer b(n);
  for (auto& byte : b) byte = static_cast<uint8_t>(rng());
  return b;
}

// Text-like data that every codec shrinks.
Buffer CompressibleBytes(size_t n) {
  static constexpr std::string_view kWords = "the quick brown fox jumps over the lazy dog 0123456789 ";
  Buffer b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(kWords[(i * 7 + i / 97) % kWords.size()]);
  return b;
}

Buffer MustCompress(Compression codec, ByteSpan input) {
  absl::StatusOr<Buffer> out = Compress(codec, input);
  REQUIRE(out.ok());
  return *std::move(out);
}

Buffer XerialHeader() { return Buffer{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1}; }

TEST_CASE("Compression: every codec round trips compressible and random data of every size") {
  for (Compression codec : kAllCodecs) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, kMiB}) {
      for (bool random : {false, true}) {
        const std::string name = CompressionName(codec);
        CAPTURE(name);
        CAPTURE(size);
        CAPTURE(random);
        Buffer input = random ? RandomBytes(size, static_cast<uint32_t>(size)) : CompressibleBytes(size);
        Buffer compressed = MustCompress(codec, input);
        absl::StatusOr<Buffer> output = Decompress(codec, compressed, size);  // Exactly at the cap.
        REQUIRE(output.ok());
        CHECK(*output == input);
        if (codec != Compression::kNone && !random && size == kMiB) CHECK(compressed.size() < size / 4);
      }
    }
  }
}

TEST_CASE("Compression: none is the identity and still capped") {
  Buffer input = CompressibleBytes(100);
  CHECK(MustCompress(Compression::kNone, input) == input);
  CHECK(*Decompress(Compression::kNone, input, 100) == input);
  CHECK(Decompress(Compression::kNone, input, 99).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("Compression: gzip output carries the RFC 1952 magic") {
  Buffer compressed = MustCompress(Compression::kGzip, CompressibleBytes(100));
  REQUIRE(compressed.size() > 10);
  CHECK(compressed[0] == 0x1f);
  CHECK(compressed[1] == 0x8b);
  CHECK(compressed[2] == 8);  // deflate
}

TEST_CASE("Compression: lz4 output is an LZ4 frame with independent blocks") {
  Buffer compressed = MustCompress(Compression::kLz4, CompressibleBytes(100));
  REQUIRE(compressed.size() > 7);
  CHECK(compressed[0] == 0x04);  // Magic 0x184D2204, little-endian.
  CHECK(compressed[1] == 0x22);
  CHECK(compressed[2] == 0x4D);
  CHECK(compressed[3] == 0x18);
  CHECK((compressed[4] & 0x20) != 0);  // FLG block independence bit.
}

TEST_CASE("Compression: zstd output is a zstd frame") {
  Buffer compressed = MustCompress(Compression::kZstd, CompressibleBytes(100));
  REQUIRE(compressed.size() > 4);
  CHECK(compressed[0] == 0x28);  // Magic 0xFD2FB528, little-endian.
  CHECK(compressed[1] == 0xB5);
  CHECK(compressed[2] == 0x2F);
  CHECK(compressed[3] == 0xFD);
}

TEST_CASE("Compression: snappy writes xerial framing with 32 KiB blocks") {
  Buffer input = CompressibleBytes(70000);
  Buffer compressed = MustCompress(Compression::kSnappy, input);
  Buffer header = XerialHeader();
  REQUIRE(compressed.size() > header.size());
  CHECK(Buffer(compressed.begin(), compressed.begin() + 16) == header);
  // Walk the blocks: 32768 + 32768 + 4464 bytes of input.
  ByteSpan rest = ByteSpan(compressed).subspan(16);
  std::vector<size_t> block_sizes;
  while (!rest.empty()) {
    REQUIRE(rest.size() >= 4);
    auto length = static_cast<size_t>(LoadBigEndian<int32_t>(rest.data()));
    REQUIRE(length <= rest.size() - 4);
    size_t uncompressed = 0;
    REQUIRE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(rest.data() + 4), length, &uncompressed));
    block_sizes.push_back(uncompressed);
    rest = rest.subspan(4 + length);
  }
  CHECK(block_sizes == std::vector<size_t>{32768, 32768, 4464});
}

TEST_CASE("Compression: snappy of empty input is the xerial header alone") {
  CHECK(MustCompress(Compression::kSnappy, {}) == XerialHeader());
  CHECK(Decompress(Compression::kSnappy, XerialHeader(), 0)->empty());
}

TEST_CASE("Compression: raw snappy without xerial framing is accepted") {
  Buffer input = CompressibleBytes(5000);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &raw);
  absl::StatusOr<Buffer> output = Decompress(Compression::kSnappy, AsBytes(raw), kNoCap);
  REQUIRE(output.ok());
  CHECK(*output == input);
}

TEST_CASE("Compression: raw snappy of empty input decodes to nothing") {
  std::string raw;
  snappy::Compress("", 0, &raw);
  absl::StatusOr<Buffer> output = Decompress(Compression::kSnappy, AsBytes(raw), 0);
  REQUIRE(output.ok());
  CHECK(output->empty());
}

TEST_CASE("Compression: a xerial block length longer than the data left is rejected") {
  Buffer input = CompressibleBytes(1000);
  Buffer compressed = MustCompress(Compression::kSnappy, input);
  auto real_length = LoadBigEndian<int32_t>(compressed.data() + 16);
  SUBCASE("one byte too long") { StoreBigEndian<int32_t>(compressed.data() + 16, real_length + 1); }
  SUBCASE("huge") { StoreBigEndian<int32_t>(compressed.data() + 16, INT32_MAX); }
  SUBCASE("negative") { StoreBigEndian<int32_t>(compressed.data() + 16, -1); }
  CHECK(Decompress(Compression::kSnappy, compressed, kNoCap).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Compression: a xerial stream with a partial block length is rejected") {
  Buffer compressed = MustCompress(Compression::kSnappy, CompressibleBytes(1000));
  compressed.push_back(0);
  compressed.push_back(0);
  CHECK(Decompress(Compression::kSnappy, compressed, kNoCap).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Compression: a raw snappy block claiming a huge length is refused before allocating") {
  // Varint uncompressed length 0xFFFFFFFF followed by nothing useful.
  Buffer bogus{0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};
  CHECK(Decompress(Compression::kSnappy, bogus, kMiB).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("Compression: truncated input is rejected by every codec") {
  for (Compression codec : kRealCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    Buffer compressed = MustCompress(codec, RandomBytes(5000, 1));
    for (size_t keep : {size_t{0}, size_t{1}, compressed.size() / 2, compressed.size() - 1}) {
      CAPTURE(keep);
      absl::StatusOr<Buffer> output = Decompress(codec, ByteSpan(compressed).first(keep), kNoCap);
      CHECK(output.status().code() == absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST_CASE("Compression: garbage input is rejected by every codec") {
  for (Compression codec : kRealCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    for (uint32_t seed = 0; seed < 20; ++seed) {
      Buffer garbage = RandomBytes(100 + seed * 37, seed);
      absl::StatusOr<Buffer> output = Decompress(codec, garbage, kMiB);
      CHECK_FALSE(output.ok());
      CHECK(output.status().code() != absl::StatusCode::kOk);
      bool expected_code = output.status().code() == absl::StatusCode::kInvalidArgument ||
                           output.status().code() == absl::StatusCode::kResourceExhausted;
      CHECK(expected_code);
    }
  }
}

TEST_CASE("Compression: a flipped byte never crashes any codec and gzip always notices it") {
  for (Compression codec : kRealCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    Buffer input = CompressibleBytes(3000);
    Buffer compressed = MustCompress(codec, input);
    for (size_t pos = 0; pos < compressed.size(); ++pos) {
      Buffer corrupt = compressed;
      corrupt[pos] ^= 0x5A;
      absl::StatusOr<Buffer> output = Decompress(codec, corrupt, kMiB);
      // Only gzip carries a content checksum; the others may decode other
      // bytes, which the batch CRC32C (over the compressed bytes) catches.
      if (output.ok() && codec == Compression::kGzip) {
        CAPTURE(pos);
        CHECK(*output == input);
      }
    }
  }
}

TEST_CASE("Compression: corrupt gzip payload with a valid header is rejected") {
  Buffer compressed = MustCompress(Compression::kGzip, CompressibleBytes(3000));
  compressed[compressed.size() - 5] ^= 0xFF;  // Inside the CRC32 trailer.
  CHECK(Decompress(Compression::kGzip, compressed, kNoCap).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Compression: a 64 MiB bomb is stopped at a 1 MiB cap by every codec") {
  Buffer zeros(64 * kMiB, 0);
  for (Compression codec : kRealCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    Buffer bomb = MustCompress(codec, zeros);
    CHECK(bomb.size() < 4 * kMiB);
    absl::StatusOr<Buffer> output = Decompress(codec, bomb, kMiB);
    CHECK(output.status().code() == absl::StatusCode::kResourceExhausted);
  }
}

TEST_CASE("Compression: output one byte over the cap is refused, exactly at the cap is allowed") {
  Buffer input = CompressibleBytes(200000);
  for (Compression codec : kAllCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    Buffer compressed = MustCompress(codec, input);
    CHECK(Decompress(codec, compressed, input.size()).ok());
    CHECK(Decompress(codec, compressed, input.size() - 1).status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(Decompress(codec, compressed, 0).status().code() == absl::StatusCode::kResourceExhausted);
  }
}

TEST_CASE("Compression: the output buffer never reserves more than the cap") {
  Buffer input = RandomBytes(300000, 5);
  for (Compression codec : kAllCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    absl::StatusOr<Buffer> output = Decompress(codec, MustCompress(codec, input), input.size());
    REQUIRE(output.ok());
    CHECK(output->capacity() <= input.size());
  }
}

TEST_CASE("Compression: concatenated gzip members decode as one stream") {
  Buffer a = CompressibleBytes(1000);
  Buffer b = RandomBytes(500, 9);
  Buffer stream = MustCompress(Compression::kGzip, a);
  Buffer second = MustCompress(Compression::kGzip, b);
  stream.insert(stream.end(), second.begin(), second.end());
  absl::StatusOr<Buffer> output = Decompress(Compression::kGzip, stream, kNoCap);
  REQUIRE(output.ok());
  Buffer expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  CHECK(*output == expected);
}

TEST_CASE("Compression: an unknown codec is rejected") {
  auto bogus = static_cast<Compression>(7);
  CHECK(Compress(bogus, {}).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Decompress(bogus, {}, 10).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn
