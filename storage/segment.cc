#include "storage/segment.h"

#include <limits>

#include "common/check.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "storage/batch_reader.h"
#include "storage/segment_files.h"

namespace cairn::storage {

Segment::Segment(std::string dir, int64_t base_offset, std::shared_ptr<io::File> file)
    : dir_(std::move(dir)), base_offset_(base_offset), file_(std::move(file)), next_offset_(base_offset) {}

bool Segment::CanHold(int64_t last_offset, uint64_t bytes, int64_t segment_bytes_max) const {
  if (last_offset - base_offset_ > std::numeric_limits<int32_t>::max()) return false;
  if (size_bytes_ + bytes > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return false;
  // An empty segment takes any batch, however large, so the log never stalls.
  return empty() || size_bytes_ + bytes <= static_cast<uint64_t>(segment_bytes_max);
}

uint64_t Segment::Place(const RecordBatchHeader& header, int64_t now_ms, int64_t index_interval_bytes) {
  CAIRN_CHECK(header.base_offset >= next_offset_) << "offsets must increase in " << path();
  const uint64_t position = size_bytes_;
  const auto relative = static_cast<uint32_t>(header.base_offset - base_offset_);
  // The first batch is always indexed so lookups never scan from before it.
  if (offset_index_.empty() || bytes_since_index_entry_ >= static_cast<uint64_t>(index_interval_bytes)) {
    offset_index_.Append(relative, static_cast<uint32_t>(position));
    bytes_since_index_entry_ = 0;
    index_dirty_ = true;
  }
  if (header.max_timestamp > max_timestamp_) {
    max_timestamp_ = header.max_timestamp;
    time_index_.Append(header.max_timestamp, relative);
    index_dirty_ = true;
  }
  if (first_batch_time_ms_ < 0) first_batch_time_ms_ = now_ms;
  bytes_since_index_entry_ += header.size_bytes();
  size_bytes_ += header.size_bytes();
  next_offset_ = header.next_offset();
  return position;
}

uint64_t Segment::LoadIndexFiles(io::FileSystem& fs, int64_t trusted_end_offset, uint64_t file_size) {
  offset_index_.clear();
  time_index_.clear();
  auto index_bytes = fs.ReadWholeFile(SegmentPath(dir_, base_offset_, kIndexSuffix));
  auto time_bytes = fs.ReadWholeFile(SegmentPath(dir_, base_offset_, kTimeIndexSuffix));
  if (!index_bytes.ok() || !time_bytes.ok()) return 0;
  auto index = OffsetIndex::Decode(*index_bytes, file_size);
  auto time_index = TimeIndex::Decode(*time_bytes);
  if (!index.ok() || !time_index.ok()) {
    CAIRN_LOG(kWarning) << "rebuilding the indexes of " << path() << ": "
                        << (index.ok() ? time_index.status() : index.status());
    return 0;
  }
  if (trusted_end_offset <= base_offset_) return 0;
  const auto trusted_relative = static_cast<uint32_t>(
      std::min<int64_t>(trusted_end_offset - base_offset_, std::numeric_limits<uint32_t>::max()));
  index->TruncateToOffset(trusted_relative);
  time_index->TruncateToOffset(trusted_relative);
  if (index->empty()) return 0;
  offset_index_ = std::move(*index);
  // The time index only ever helps a lookup; entries after the rescan point
  // are re-added by Place, so keep those strictly before it.
  const uint32_t resume_relative = offset_index_.entries().back().relative_offset;
  time_index->TruncateToOffset(resume_relative);
  time_index_ = std::move(*time_index);
  if (!time_index_.entries().empty()) max_timestamp_ = time_index_.entries().back().timestamp;
  // Resume scanning at the last indexed batch, which is re-placed.
  const OffsetIndex::Entry last = offset_index_.entries().back();
  offset_index_.TruncateToOffset(last.relative_offset);
  ResetTo(last.position, base_offset_ + last.relative_offset);
  // The files hold at least what is in memory now; rescanned batches may
  // add entries, which marks the indexes dirty again.
  index_dirty_ = false;
  return last.position;
}

void Segment::ResetTo(uint64_t position, int64_t next_offset) {
  offset_index_.TruncateToPosition(position);
  time_index_.TruncateToOffset(static_cast<uint32_t>(next_offset - base_offset_));
  size_bytes_ = position;
  readable_bytes_ = position;
  index_dirty_ = true;
  next_offset_ = next_offset;
  bytes_since_index_entry_ = 0;
  max_timestamp_ = time_index_.entries().empty() ? -1 : time_index_.entries().back().timestamp;
  if (position == 0) first_batch_time_ms_ = -1;
  if (!offset_index_.empty()) {
    bytes_since_index_entry_ = position - offset_index_.entries().back().position;
  }
}

absl::Status Segment::WriteIndexFiles(io::FileSystem& fs) {
  RETURN_IF_ERROR(fs.WriteFileAtomically(SegmentPath(dir_, base_offset_, kIndexSuffix), offset_index_.Encode()));
  RETURN_IF_ERROR(fs.WriteFileAtomically(SegmentPath(dir_, base_offset_, kTimeIndexSuffix), time_index_.Encode()));
  index_dirty_ = false;
  return absl::OkStatus();
}

absl::Status Segment::RemoveIndexFiles(io::FileSystem& fs) const {
  for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix}) {
    const std::string file = SegmentPath(dir_, base_offset_, suffix);
    ASSIGN_OR_RETURN(bool exists, fs.Exists(file));
    if (exists) RETURN_IF_ERROR(fs.Remove(file));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Segment::FindPosition(int64_t offset, uint64_t limit) const {
  uint64_t start = 0;
  if (offset > base_offset_) {
    auto entry = offset_index_.Floor(static_cast<uint32_t>(
        std::min<int64_t>(offset - base_offset_, std::numeric_limits<uint32_t>::max())));
    if (entry) start = entry->position;
  }
  BatchReader reader(*file_, start, limit, 16 << 10);
  while (true) {
    ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/false));
    if (!batch) return limit;
    if (batch->header.last_offset() >= offset) return batch->position;
  }
}

absl::Status Segment::TruncateAt(uint64_t position) {
  CAIRN_CHECK(position <= size_bytes_) << path();
  RETURN_IF_ERROR(file_->Truncate(position));
  // Rebuild the bookkeeping of what remains from the nearest index entry.
  offset_index_.TruncateToPosition(position);
  uint64_t resume = 0;
  int64_t next = base_offset_;
  if (!offset_index_.empty()) {
    const OffsetIndex::Entry last = offset_index_.entries().back();
    resume = last.position;
    next = base_offset_ + last.relative_offset;
    offset_index_.TruncateToOffset(last.relative_offset);
  }
  const int64_t first_batch_time = first_batch_time_ms_;
  ResetTo(resume, next);
  BatchReader reader(*file_, resume, position);
  while (true) {
    ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/false));
    if (!batch) break;
    Place(batch->header, first_batch_time, std::numeric_limits<int64_t>::max());
  }
  if (size_bytes_ > 0) first_batch_time_ms_ = first_batch_time;
  readable_bytes_ = size_bytes_;
  return absl::OkStatus();
}

}  // namespace cairn::storage
