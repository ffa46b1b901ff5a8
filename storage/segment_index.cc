#include "storage/segment_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace cairn::storage {

void OffsetIndex::Append(uint32_t relative_offset, uint32_t position) {
  if (!entries_.empty()) {
    CAIRN_CHECK(relative_offset > entries_.back().relative_offset) << relative_offset;
    CAIRN_CHECK(position > entries_.back().position) << position;
  }
  entries_.push_back({relative_offset, position});
}

std::optional<OffsetIndex::Entry> OffsetIndex::Floor(uint32_t relative_offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), relative_offset,
                             [](uint32_t target, const Entry& e) { return target < e.relative_offset; });
  if (it == entries_.begin()) return std::nullopt;
  return *std::prev(it);
}

void OffsetIndex::TruncateToPosition(uint64_t position) {
  while (!entries_.empty() && entries_.back().position >= position) entries_.pop_back();
}

void OffsetIndex::TruncateToOffset(uint32_t relative_offset) {
  while (!entries_.empty() && entries_.back().relative_offset >= relative_offset) entries_.pop_back();
}

Buffer OffsetIndex::Encode() const {
  Buffer out;
  out.reserve(entries_.size() * kEntryBytes);
  for (const Entry& e : entries_) {
    AppendBigEndian<uint32_t>(out, e.relative_offset);
    AppendBigEndian<uint32_t>(out, e.position);
  }
  return out;
}

absl::StatusOr<OffsetIndex> OffsetIndex::Decode(ByteSpan bytes, uint64_t log_size_bytes) {
  if (bytes.size() % kEntryBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat("offset index size ", bytes.size(), " is not a multiple of 8"));
  }
  OffsetIndex index;
  index.entries_.reserve(bytes.size() / kEntryBytes);
  for (size_t pos = 0; pos < bytes.size(); pos += kEntryBytes) {
    Entry e{LoadBigEndian<uint32_t>(&bytes[pos]), LoadBigEndian<uint32_t>(&bytes[pos + 4])};
    const bool increasing = index.entries_.empty() || (e.relative_offset > index.entries_.back().relative_offset &&
                                                       e.position > index.entries_.back().position);
    if (!increasing || e.position >= log_size_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("offset index entry ", pos / kEntryBytes, " is out of order or past the log"));
    }
    index.entries_.push_back(e);
  }
  return index;
}

void TimeIndex::Append(int64_t timestamp, uint32_t relative_offset) {
  if (!entries_.empty()) {
    CAIRN_CHECK(timestamp > entries_.back().timestamp) << timestamp;
    CAIRN_CHECK(relative_offset > entries_.back().relative_offset) << relative_offset;
  }
  entries_.push_back({timestamp, relative_offset});
}

std::optional<TimeIndex::Entry> TimeIndex::LastBefore(int64_t timestamp) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), timestamp,
                             [](const Entry& e, int64_t target) { return e.timestamp < target; });
  if (it == entries_.begin()) return std::nullopt;
  return *std::prev(it);
}

void TimeIndex::TruncateToOffset(uint32_t relative_offset) {
  while (!entries_.empty() && entries_.back().relative_offset >= relative_offset) entries_.pop_back();
}

Buffer TimeIndex::Encode() const {
  Buffer out;
  out.reserve(entries_.size() * kEntryBytes);
  for (const Entry& e : entries_) {
    AppendBigEndian<int64_t>(out, e.timestamp);
    AppendBigEndian<uint32_t>(out, e.relative_offset);
  }
  return out;
}

absl::StatusOr<TimeIndex> TimeIndex::Decode(ByteSpan bytes) {
  if (bytes.size() % kEntryBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat("time index size ", bytes.size(), " is not a multiple of 12"));
  }
  TimeIndex index;
  for (size_t pos = 0; pos < bytes.size(); pos += kEntryBytes) {
    Entry e{LoadBigEndian<int64_t>(&bytes[pos]), LoadBigEndian<uint32_t>(&bytes[pos + 8])};
    if (!index.entries_.empty() &&
        (e.timestamp <= index.entries_.back().timestamp || e.relative_offset <= index.entries_.back().relative_offset)) {
      return absl::InvalidArgumentError(absl::StrCat("time index entry ", pos / kEntryBytes, " is out of order"));
    }
    index.entries_.push_back(e);
  }
  return index;
}

}  // namespace cairn::storage
