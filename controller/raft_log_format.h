// Byte formats of the durable Raft log (docs/format/raft-log.md): frames of
// [u32 length][u32 crc32c of payload][payload], big-endian, and the two
// fixed slots of the hard-state file. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "controller/raft/types.h"

namespace cairn::controller {

inline constexpr uint64_t kFrameHeaderBytes = 8;
// The hard-state file holds two slots; a write goes to the older one, so a
// torn write leaves the newer intact and the hard state never regresses.
inline constexpr uint64_t kHardStateSlotBytes = 64;

// Appends one frame holding `payload` to `out`.
void AppendFrame(Buffer& out, ByteSpan payload);

// The frame starting at `position`, or nullopt when the bytes there are not a
// whole frame with a matching CRC (short header, length past the end,
// checksum mismatch). The payload refers into `bytes`.
std::optional<ByteSpan> ReadFrame(ByteSpan bytes, uint64_t position);

// One framed log entry.
struct ScannedEntry {
  raft::Entry entry;
  uint64_t position = 0;  // of its frame
};
struct LogScan {
  std::vector<ScannedEntry> entries;  // whole, valid and contiguous in index
  uint64_t valid_bytes = 0;           // where the first bad frame starts, or the size
  bool bad_tail = false;              // a bad frame at valid_bytes
};
// Reads frames from the start until the end or the first bad frame. A frame
// that checks out but does not decode, or breaks the index sequence, is
// DataLoss at once: no crash produces it.
absl::StatusOr<LogScan> ScanLog(ByteSpan bytes, const std::string& path);

// A hard-state slot: [u32 length][u32 crc32c of seq+payload][u64 seq][payload].
Buffer EncodeHardStateSlot(uint64_t sequence, const raft::HardState& hard_state);
struct HardStateSlot {
  uint64_t sequence = 0;
  raft::HardState hard_state;
};
// The valid slot with the highest sequence; nullopt when neither is valid.
std::optional<HardStateSlot> ReadHardStateSlots(ByteSpan file);

}  // namespace cairn::controller
