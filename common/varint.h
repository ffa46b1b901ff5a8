// Variable-length integers of the Kafka protocol: unsigned LEB128 varints
// (compact lengths, tagged fields) and zigzag-encoded signed varint/varlong
// (record fields). Decoders reject truncated and over-long encodings.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::varint {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

void AppendUnsigned32(Buffer& out, uint32_t value);
void AppendUnsigned64(Buffer& out, uint64_t value);
void AppendSigned32(Buffer& out, int32_t value);  // zigzag
void AppendSigned64(Buffer& out, int64_t value);  // zigzag
size_t SizeUnsigned64(uint64_t value);
size_t SizeSigned64(int64_t value);

// Each decoder consumes bytes from the front of `input` on success.
absl::StatusOr<uint32_t> ReadUnsigned32(ByteSpan& input);
absl::StatusOr<uint64_t> ReadUnsigned64(ByteSpan& input);
absl::StatusOr<int32_t> ReadSigned32(ByteSpan& input);
absl::StatusOr<int64_t> ReadSigned64(ByteSpan& input);

}  // namespace cairn::varint
