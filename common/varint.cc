// Kafka varints: unsigned LEB128 plus zigzag for signed values. Decoders never
// read past the span and reject encodings longer than the type allows.
#include "common/varint.h"

#include "absl/status/status.h"

namespace cairn::varint {
namespace {

template <typename T>
void AppendLeb128(Buffer& out, T value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

// Decodes an unsigned LEB128 of at most `kMaxBytes` bytes whose last byte may
// carry only the bits that still fit into T.
template <typename T, size_t kMaxBytes>
absl::StatusOr<T> ReadLeb128(ByteSpan& input) {
  constexpr int kBits = sizeof(T) * 8;
  constexpr int kLastShift = 7 * (static_cast<int>(kMaxBytes) - 1);
  constexpr uint8_t kLastByteMax = static_cast<uint8_t>((1u << (kBits - kLastShift)) - 1);
  T result = 0;
  for (size_t i = 0; i < kMaxBytes; ++i) {
    if (i >= input.size()) return absl::InvalidArgumentError("truncated varint");
    uint8_t byte = input[i];
    if (i == kMaxBytes - 1 && byte > kLastByteMax) {
      return absl::InvalidArgumentError("varint overflows its type");
    }
    result |= static_cast<T>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      input = input.subspan(i + 1);
      return result;
    }
  }
  return absl::InvalidArgumentError("varint too long");
}

uint32_t ZigZag32(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
uint64_t ZigZag64(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int32_t UnZigZag32(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }
int64_t UnZigZag64(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

}  // namespace

void AppendUnsigned32(Buffer& out, uint32_t value) { AppendLeb128(out, value); }
void AppendUnsigned64(Buffer& out, uint64_t value) { AppendLeb128(out, value); }
void AppendSigned32(Buffer& out, int32_t value) { AppendLeb128(out, ZigZag32(value)); }
void AppendSigned64(Buffer& out, int64_t value) { AppendLeb128(out, ZigZag64(value)); }

size_t SizeUnsigned64(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

size_t SizeSigned64(int64_t value) { return SizeUnsigned64(ZigZag64(value)); }

absl::StatusOr<uint32_t> ReadUnsigned32(ByteSpan& input) { return ReadLeb128<uint32_t, kMaxVarint32Bytes>(input); }

absl::StatusOr<uint64_t> ReadUnsigned64(ByteSpan& input) { return ReadLeb128<uint64_t, kMaxVarint64Bytes>(input); }

absl::StatusOr<int32_t> ReadSigned32(ByteSpan& input) {
  absl::StatusOr<uint32_t> raw = ReadUnsigned32(input);
  if (!raw.ok()) return raw.status();
  return UnZigZag32(*raw);
}

absl::StatusOr<int64_t> ReadSigned64(ByteSpan& input) {
  absl::StatusOr<uint64_t> raw = ReadUnsigned64(input);
  if (!raw.ok()) return raw.status();
  return UnZigZag64(*raw);
}

}  // namespace cairn::varint
