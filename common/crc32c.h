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

// Exposed for tests that compare the paths and for bench/crc32c_bench: the
// portable tables, and the crc32 instruction in one lane (what Extend does
// for inputs under 768 bytes).
uint32_t ExtendPortable(uint32_t crc, ByteSpan data);
uint32_t ExtendOneLane(uint32_t crc, ByteSpan data);
bool HardwareAccelerated();

}  // namespace cairn::crc32c
