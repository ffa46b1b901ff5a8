// CRC-32C (Castagnoli), the checksum of Kafka record batches and of Cairn's
// own files. Uses the SSE4.2 crc32 instruction when the CPU has it, else a
// portable table-driven implementation; both give identical results.
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace cairn::crc32c {

// CRC of `data` continuing from a previous CRC value (0 to start).
uint32_t Extend(uint32_t crc, ByteSpan data);
inline uint32_t Value(ByteSpan data) { return Extend(0, data); }

// Exposed for tests that compare the two paths.
uint32_t ExtendPortable(uint32_t crc, ByteSpan data);
bool HardwareAccelerated();

}  // namespace cairn::crc32c
