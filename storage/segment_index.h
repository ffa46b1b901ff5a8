// The two sparse indexes of a segment, kept in memory and written to the
// .index and .timeindex files when the segment is closed (format:
// docs/format/segment.md). Offsets are stored relative to the segment's base
// offset, so a segment never spans more than 2^31 offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::storage {

// Relative base offset of a batch -> its byte position in the .log file.
class OffsetIndex {
 public:
  struct Entry {
    uint32_t relative_offset;
    uint32_t position;
    bool operator==(const Entry&) const = default;
  };
  static constexpr size_t kEntryBytes = 8;

  // Entries must strictly increase in both fields.
  void Append(uint32_t relative_offset, uint32_t position);
  // The last entry whose offset is <= relative_offset; nullopt if none.
  std::optional<Entry> Floor(uint32_t relative_offset) const;
  // Drops entries at or after the given byte position.
  void TruncateToPosition(uint64_t position);
  // Drops entries for offsets at or after relative_offset.
  void TruncateToOffset(uint32_t relative_offset);
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

  Buffer Encode() const;
  // InvalidArgument when the bytes are not a well-formed index whose
  // positions lie below log_size_bytes.
  static absl::StatusOr<OffsetIndex> Decode(ByteSpan bytes, uint64_t log_size_bytes);

 private:
  std::vector<Entry> entries_;
};

// Largest timestamp seen so far -> relative offset of the batch that set it.
class TimeIndex {
 public:
  struct Entry {
    int64_t timestamp;
    uint32_t relative_offset;
    bool operator==(const Entry&) const = default;
  };
  static constexpr size_t kEntryBytes = 12;

  // Timestamps and offsets must strictly increase.
  void Append(int64_t timestamp, uint32_t relative_offset);
  // The last entry with timestamp strictly below `timestamp`: every batch
  // before its offset has a max timestamp below the target.
  std::optional<Entry> LastBefore(int64_t timestamp) const;
  void TruncateToOffset(uint32_t relative_offset);
  const std::vector<Entry>& entries() const { return entries_; }
  void clear() { entries_.clear(); }

  Buffer Encode() const;
  static absl::StatusOr<TimeIndex> Decode(ByteSpan bytes);

 private:
  std::vector<Entry> entries_;
};

}  // namespace cairn::storage
