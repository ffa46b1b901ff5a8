// One segment of a partition log: the .log file of record batches plus its
// in-memory offset and time indexes (docs/format/segment.md). The owning
// PartitionLog decides what is written where; Segment keeps the bookkeeping.
//
// Invariant: batches are contiguous from position 0 to size_bytes(), their
// offsets strictly increase, and every offset lies in
// [base_offset, base_offset + 2^31).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/record_batch.h"
#include "io/file.h"
#include "storage/segment_index.h"

namespace cairn::storage {

class Segment {
 public:
  Segment(std::string dir, int64_t base_offset, std::shared_ptr<io::File> file);

  int64_t base_offset() const { return base_offset_; }
  // One past the last offset of the last batch; base_offset() when empty.
  int64_t next_offset() const { return next_offset_; }
  // Bytes assigned to batches (written or still in flight).
  uint64_t size_bytes() const { return size_bytes_; }
  bool empty() const { return size_bytes_ == 0; }
  // Bytes from position 0 whose writes have completed: readers stop here.
  uint64_t readable_bytes() const { return readable_bytes_; }
  void set_readable_bytes(uint64_t bytes) { readable_bytes_ = bytes; }
  // Largest batch max timestamp; -1 when empty.
  int64_t max_timestamp() const { return max_timestamp_; }
  // Wall-clock time the first batch arrived, for segment.ms rolling.
  int64_t first_batch_time_ms() const { return first_batch_time_ms_; }
  const std::shared_ptr<io::File>& file() const { return file_; }
  const std::string& path() const { return file_->path(); }
  const OffsetIndex& offset_index() const { return offset_index_; }
  const TimeIndex& time_index() const { return time_index_; }

  // Whether a batch covering [base, last] of `bytes` fits in this segment.
  bool CanHold(int64_t last_offset, uint64_t bytes, int64_t segment_bytes_max) const;
  // Bookkeeping for a batch placed at size_bytes(); returns its position.
  uint64_t Place(const RecordBatchHeader& header, int64_t now_ms, int64_t index_interval_bytes);

  // Recovery: loads indexes persisted at close (entries at or beyond
  // `trusted_end_offset` are dropped) and returns the position from which
  // batches must be rescanned; 0 when the files are missing or invalid.
  uint64_t LoadIndexFiles(io::FileSystem& fs, int64_t trusted_end_offset, uint64_t file_size);
  // Recovery: resets the bookkeeping to the first `position` bytes, which
  // hold batches whose last one ends at `next_offset`.
  void ResetTo(uint64_t position, int64_t next_offset);
  void set_max_timestamp(int64_t ts) { max_timestamp_ = ts; }
  void set_first_batch_time_ms(int64_t ms) { first_batch_time_ms_ = ms; }

  // Writes the .index and .timeindex files (atomically, durably).
  absl::Status WriteIndexFiles(io::FileSystem& fs);
  // True when the in-memory indexes hold entries the index files lack.
  bool index_dirty() const { return index_dirty_; }
  absl::Status RemoveIndexFiles(io::FileSystem& fs) const;

  // Position of the first batch whose last offset is >= `offset`, scanning
  // headers from the nearest index entry; `limit` (a batch boundary) if none
  // before it.
  absl::StatusOr<uint64_t> FindPosition(int64_t offset, uint64_t limit) const;
  // Drops every batch from `position` (a batch boundary) on: the file is
  // truncated and the bookkeeping recomputed from the remaining batches.
  absl::Status TruncateAt(uint64_t position);

 private:
  std::string dir_;
  int64_t base_offset_;
  std::shared_ptr<io::File> file_;
  int64_t next_offset_;
  uint64_t size_bytes_ = 0;
  uint64_t readable_bytes_ = 0;
  int64_t max_timestamp_ = -1;
  int64_t first_batch_time_ms_ = -1;
  uint64_t bytes_since_index_entry_ = 0;
  bool index_dirty_ = true;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
};

}  // namespace cairn::storage
