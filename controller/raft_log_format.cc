// Frames and hard-state slots of the durable Raft log; see raft_log_format.h.
#include "controller/raft_log_format.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/crc32c.h"
#include "controller/raft_codec.h"

namespace cairn::controller {

// Index arithmetic of the core (types.h), found by ADL only inside cairn::raft.
using raft::operator+;
using raft::operator-;

void AppendFrame(Buffer& out, ByteSpan payload) {
  CAIRN_CHECK(payload.size() <= UINT32_MAX) << "frame of " << payload.size() << " bytes";
  AppendBigEndian<uint32_t>(out, static_cast<uint32_t>(payload.size()));
  AppendBigEndian<uint32_t>(out, crc32c::Value(payload));
  out.insert(out.end(), payload.begin(), payload.end());
}

std::optional<ByteSpan> ReadFrame(ByteSpan bytes, uint64_t position) {
  if (position > bytes.size() || bytes.size() - position < kFrameHeaderBytes) return std::nullopt;
  const uint32_t length = LoadBigEndian<uint32_t>(bytes.data() + position);
  const uint32_t crc = LoadBigEndian<uint32_t>(bytes.data() + position + 4);
  if (bytes.size() - position - kFrameHeaderBytes < length) return std::nullopt;
  const ByteSpan payload = bytes.subspan(position + kFrameHeaderBytes, length);
  if (crc32c::Value(payload) != crc) return std::nullopt;
  return payload;
}

absl::StatusOr<LogScan> ScanLog(ByteSpan bytes, const std::string& path) {
  LogScan scan;
  uint64_t position = 0;
  while (position < bytes.size()) {
    const std::optional<ByteSpan> payload = ReadFrame(bytes, position);
    if (!payload) {
      scan.bad_tail = true;
      break;
    }
    absl::StatusOr<raft::Entry> entry = DecodeEntry(*payload);
    if (!entry.ok()) {
      return absl::DataLossError(absl::StrCat("corrupt raft log ", path, " at position ", position,
                                              ": ", entry.status().message()));
    }
    if (!scan.entries.empty() && entry->index != scan.entries.back().entry.index + 1) {
      return absl::DataLossError(absl::StrCat("corrupt raft log ", path, " at position ", position,
                                              ": entry ", entry->index.value(), " follows ",
                                              scan.entries.back().entry.index.value()));
    }
    scan.entries.push_back(ScannedEntry{*std::move(entry), position});
    position += kFrameHeaderBytes + payload->size();
  }
  scan.valid_bytes = position;
  return scan;
}

Buffer EncodeHardStateSlot(uint64_t sequence, const raft::HardState& hard_state) {
  Buffer body;
  AppendBigEndian<uint64_t>(body, sequence);
  const Buffer encoded = EncodeHardState(hard_state);
  body.insert(body.end(), encoded.begin(), encoded.end());
  Buffer slot;
  AppendFrame(slot, body);
  // Varint fields bound the payload to 3 fields of at most 11 bytes each.
  CAIRN_CHECK(slot.size() <= kHardStateSlotBytes) << "hard state slot of " << slot.size() << " bytes";
  slot.resize(kHardStateSlotBytes, 0);
  return slot;
}

std::optional<HardStateSlot> ReadHardStateSlots(ByteSpan file) {
  std::optional<HardStateSlot> best;
  for (uint64_t slot = 0; slot < 2; ++slot) {
    const uint64_t start = slot * kHardStateSlotBytes;
    if (file.size() < start + kHardStateSlotBytes) break;
    const std::optional<ByteSpan> body = ReadFrame(file.subspan(start, kHardStateSlotBytes), 0);
    if (!body || body->size() < 8) continue;
    const uint64_t sequence = LoadBigEndian<uint64_t>(body->data());
    absl::StatusOr<raft::HardState> hard_state = DecodeHardState(body->subspan(8));
    if (!hard_state.ok()) continue;
    if (!best || sequence > best->sequence) best = HardStateSlot{sequence, *hard_state};
  }
  return best;
}

}  // namespace cairn::controller
