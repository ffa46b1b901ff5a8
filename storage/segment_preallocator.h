// Zeroes the active segment's file ahead of its writes (log.preallocate), so a
// small durable write overwrites blocks the file already has instead of
// growing it. On ext4 an appending O_DSYNC write must also make the new
// block allocation and file size durable; an overwrite is only the data
// (docs/benchmarks.md, "Pre-zeroed segment space").
//
// The zeroes go through a second descriptor of the segment file. Its sync
// then has a write-back error cursor of its own, so it can never consume an
// error that a durable write through the segment's descriptor must report.
// A failed zeroing write or sync only stops the zeroing of that segment: no
// acknowledgement depends on it.
//
// The owning PartitionLog keeps three rules (docs/format/segment.md,
// "Preallocated space"):
//  - zeroing starts past every byte assigned to a batch, and no write to the
//    segment is issued while a zeroing write is being copied in (writing());
//  - zeroing a segment waits, as its writes do, until every earlier segment is
//    durable and trimmed;
//  - a segment that stops being active is trimmed back to its batches,
//    durably, before any write to a later segment is issued and before the
//    recovery point passes it.
// So a crash can leave zeroes only after the last batch of the last segment,
// where recovery drops them as it drops a torn tail.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "io/file.h"
#include "storage/segment.h"

namespace cairn::storage {

class SegmentPreallocator {
 public:
  // Bytes zeroed per step. The next step starts once less than half a step
  // of zeroes lies ahead of the batches.
  static constexpr uint64_t kStepBytes = 1 << 20;
  // Writes this large already amortise the allocation; zeroing ahead of a
  // flood of them would only write every byte twice.
  static constexpr uint64_t kSmallWriteBytes = 64 << 10;

  // `on_progress` runs on the owner thread when a zeroing write completes
  // (writes held back for it may go) and when its sync does (the preallocator
  // is idle again). It may destroy the preallocator's owner.
  SegmentPreallocator(io::FileSystem* fs, std::function<void()> on_progress);
  ~SegmentPreallocator();
  SegmentPreallocator(const SegmentPreallocator&) = delete;
  SegmentPreallocator& operator=(const SegmentPreallocator&) = delete;

  // The segment whose file may extend past its batches; null when none.
  const std::shared_ptr<Segment>& segment() const { return segment_; }
  // A zeroing write is in flight: no write to segment() may be issued.
  bool writing() const { return state_ == State::kWriting; }
  // A zeroing write or its sync is in flight.
  bool busy() const { return state_ != State::kIdle; }

  // Zeroes the next step of `active` if one is due: the last durable write
  // was small, fewer than kStepBytes / 2 zeroes lie ahead of the batches,
  // and the file is still below `segment_bytes`. Does nothing while busy or
  // while an older segment awaits its Trim.
  void MaybeStart(const std::shared_ptr<Segment>& active, uint64_t last_write_bytes, int64_t segment_bytes);
  // Cuts segment()'s file back to its batches, durably, and forgets it.
  // Blocking; not while busy().
  absl::Status Trim();
  // Forgets segment() without touching its file (the segment was deleted).
  // Completions still in flight for it are ignored.
  void Forget();

 private:
  enum class State { kIdle, kWriting, kSyncing };

  void Stop(const absl::Status& status);

  io::FileSystem* fs_;
  std::function<void()> on_progress_;
  std::shared_ptr<Segment> segment_;
  // The segment's file opened a second time, for the zeroing (see above).
  std::shared_ptr<io::File> zero_file_;
  // Synced zeroes reach this position of segment_'s file.
  uint64_t zeroed_end_ = 0;
  State state_ = State::kIdle;
  // A zeroing error stopped work on segment_ (until it is trimmed).
  bool stopped_ = false;
  // Bumped by Forget, so completions for a forgotten segment are ignored.
  uint64_t generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::storage
