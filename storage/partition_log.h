// A partition's log: an ordered list of segments in <log.dir>/<topic>-<p>/,
// the active one last (DESIGN.md §3, docs/format/segment.md).
//
// Threading: one owner thread (the partition's shard) calls every method and
// receives every callback; the only exception is CompactionJob::Run, which
// does its blocking I/O on any thread while the owner keeps appending.
//
// Durability: Append assigns offsets at once, writes asynchronously and calls
// `on_durable` only once the batch is durable: each write is made durable by
// itself (O_DSYNC, io::File::WriteDurablyAt), one at a time, and appends
// queued meanwhile share the next one (group commit). Offsets become durable
// in order. A failed write or sync takes the log offline for writes: every
// unacknowledged append fails, later appends are refused, reads keep working,
// and nothing is retried (an fsync error is never reported as success).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/ids.h"
#include "io/file.h"
#include "storage/compaction.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/segment.h"
#include "storage/segment_preallocator.h"

namespace cairn::storage {

struct AppendInfo {
  Offset first_offset;
  Offset last_offset;
  int32_t batch_count = 0;
  // Largest max timestamp among the appended batches.
  int64_t max_timestamp = -1;
  // The batch was a producer's retry of one of its last 5 batches: nothing
  // was appended and the offsets are the original ones.
  bool duplicate = false;
  // For a duplicate that is already durable: on_durable will not be called.
  bool already_durable = false;
};

struct ReadResult {
  ReadResult() = default;
  ReadResult(ReadResult&&) = default;
  ReadResult& operator=(ReadResult&&) = default;
  ReadResult(const ReadResult&) = delete;  // `data` points into `storage`

  // Whole batches, exactly as stored (baseOffset and leader epoch filled in).
  ByteSpan data;
  ReadBuffer storage;
  // Where `data` lives, for zero-copy senders; segment keeps the file open.
  std::shared_ptr<Segment> segment;
  uint64_t position = 0;
  // Offset just past the last returned batch (the next fetch starts here).
  Offset next_offset;
};

// Where the batches of a read lie in a segment file, for senders that pass
// them on without copying (zero-copy Fetch): bytes [position, position +
// length) of segment->file(), whole batches.
struct RangeReadResult {
  // Keeps the file open on the owner thread while the range is handed on;
  // a sender on another thread needs its own descriptor (io::SendFile).
  std::shared_ptr<Segment> segment;
  uint64_t position = 0;
  uint64_t length = 0;
  // Where the next read starts: past the last returned batch, with no record
  // in between (it may be the base offset of the next batch, after a gap
  // left by compaction, rather than the last returned offset + 1).
  Offset next_offset;
};

struct TimestampLookup {
  Offset offset;
  int64_t timestamp;
};

class PartitionLog {
 public:
  using DurableCallback = absl::AnyInvocable<void(absl::Status) &&>;
  // Told, on the owner thread, how long each successful durable write took
  // from its issue to its completion (the log flush time operators watch).
  using FlushObserver = std::function<void(std::chrono::nanoseconds)>;

  // Opens the log in `dir` (created if missing), recovering it: leftover
  // compaction files are resolved, batches after the recovery point are
  // verified by length and CRC, a torn tail is truncated and indexes rebuilt.
  // Corruption before the tail fails with DataLoss naming file and position.
  // Blocking; run it before the partition serves.
  static absl::StatusOr<std::unique_ptr<PartitionLog>> Open(io::FileSystem* fs, std::string dir, LogConfig config,
                                                            const Clock* clock);
  // Fails the appends that are not yet durable with Unavailable; their
  // callbacks run inside the destructor and must not call into the log.
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Leader append of one or more concatenated RecordBatch v2 batches (a
  // produce request's records for this partition). Each batch is validated
  // (header, CRC32C, lastOffsetDelta == recordCount - 1, at least one record,
  // size <= max_batch_bytes) before any is accepted; then offsets are
  // assigned from log_end_offset(), `epoch` is stamped into each batch and the
  // writes are issued. Errors: InvalidArgument (malformed), DataLoss (CRC),
  // OutOfRange (batch too large), or the offline status.
  // Idempotent producers (producerId >= 0): a retry of one of the producer's
  // last 5 batches appends nothing and reports the original offsets
  // (AppendInfo::duplicate), acknowledged once they are durable; an older
  // epoch, a sequence gap or an unknown producer is refused with
  // FailedPrecondition carrying the reason (common/error_reason.h).
  absl::StatusOr<AppendInfo> Append(Buffer batches, LeaderEpoch epoch, DurableCallback on_durable);
  // Follower append: the batches keep the leader's offsets and epochs; the
  // first must start exactly at log_end_offset() and offsets must increase.
  absl::StatusOr<AppendInfo> AppendReplicated(Buffer batches, DurableCallback on_durable);

  // Whole batches from the one containing `offset`, up to `max_bytes` and
  // stopping before the first batch whose base offset is >= `max_offset`
  // (exclusive; pass the high watermark) or not yet written. With
  // `min_one_batch` the first batch is returned even if larger than
  // max_bytes. OutOfRange when `offset` is below log_start_offset() or above
  // log_end_offset(). Blocking read (page cache); the async path reuses it.
  absl::StatusOr<ReadResult> Read(Offset offset, size_t max_bytes, Offset max_offset, bool min_one_batch) const;
  // The same batches as Read(), as a range of a segment file rather than
  // bytes in memory: only batch headers are read (the offset index vouches
  // for whole runs of batches), so the caller can send the batches straight
  // from the file. Always returns every whole batch that fits max_bytes
  // (Read() may stop earlier when its read window runs out). Empty (length
  // 0) when nothing is readable at `offset`.
  absl::StatusOr<RangeReadResult> ReadRange(Offset offset, size_t max_bytes, Offset max_offset,
                                            bool min_one_batch) const;

  // ListOffsets by timestamp: the first record with timestamp >= `timestamp`;
  // nullopt when every record is older.
  absl::StatusOr<std::optional<TimestampLookup>> LookupTimestamp(int64_t timestamp) const;

  // Removes every batch from the one containing `offset` on (a follower
  // truncating to its divergence point). FailedPrecondition while writes are
  // in flight: call it from WhenIdle.
  absl::Status TruncateTo(Offset offset);
  // Runs `task` once no write is in flight or queued (at once if idle). A
  // task may destroy the log; the tasks queued after it are then dropped.
  void WhenIdle(absl::AnyInvocable<void() &&> task);
  // DeleteRecords: raises the log start offset and deletes the segments that
  // lie wholly below it. OutOfRange if `offset` > high watermark given.
  absl::Status DeleteRecordsBefore(Offset offset, Offset high_watermark);
  // Deletes whole closed, durable segments past retention.ms/retention.bytes.
  // Returns the number of segments deleted.
  absl::StatusOr<int> ApplyRetention();

  // Compaction (cleanup.policy=compact), in three steps so appends never wait:
  // Prepare on the owner thread, job->Run() on any thread, Commit on the owner.
  // Prepare returns nullptr when nothing is worth cleaning (or force=false
  // and the dirty ratio is below min_cleanable_dirty_ratio).
  std::unique_ptr<CompactionJob> PrepareCompaction(bool force);
  absl::Status CommitCompaction(CompactionJob& job);
  // All three steps in a row, for tests and tools.
  absl::Status CompactNow();

  // Scrub: re-reads every durable batch of every segment checking length,
  // header, CRC32C and offset order. DataLoss names file and position of the
  // first bad batch. Blocking; recovery only verifies after the recovery
  // point, so this is how older segments are checked.
  absl::Status Verify() const;

  // Persists the recovery point at the durable offset, so a later recovery
  // treats a bad batch before it as data loss rather than a torn tail. The
  // owner calls it periodically (Kafka's
  // log.flush.offset.checkpoint.interval.ms); rolls and clean closes move it
  // too. Blocking (a small atomic file write).
  absl::Status CheckpointRecoveryPoint();

  // Flushes nothing new; writes indexes and the recovery point so the next
  // Open needs no scan. Requires idleness (FailedPrecondition otherwise).
  absl::Status CloseCleanly();

  void UpdateConfig(const LogConfig& config) { config_ = config; }

  Offset log_start_offset() const { return Offset(log_start_offset_); }
  Offset log_end_offset() const { return Offset(log_end_offset_); }
  // Offsets below this are durable (acknowledged or acknowledgeable).
  Offset durable_offset() const { return Offset(durable_offset_); }
  int64_t size_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  std::vector<int64_t> segment_base_offsets() const;
  const LeaderEpochCache& leader_epochs() const { return epochs_; }
  const ProducerStateManager& producer_state() const { return producers_; }
  // OK while writable; the I/O error that took the log offline otherwise.
  const absl::Status& health() const { return failure_; }
  const std::string& dir() const { return dir_; }
  const LogConfig& config() const { return config_; }
  // Durable writes issued, each one fdatasync-equivalent (group commits).
  int64_t flush_count() const { return flush_count_; }
  void set_flush_observer(FlushObserver observer) { flush_observer_ = std::move(observer); }

 private:
  friend class LogRecovery;
  friend class CompactionJob;

  struct PendingWrite {
    std::shared_ptr<Segment> segment;
    uint64_t position;
    Buffer data;
    int64_t next_offset;  // one past the last offset this write carries
    std::chrono::steady_clock::time_point issued_at;
    bool issued = false;
    bool done = false;
  };
  struct Waiter {
    int64_t next_offset;
    DurableCallback callback;
  };

  PartitionLog(io::FileSystem* fs, std::string dir, LogConfig config, const Clock* clock);

  absl::StatusOr<AppendInfo> AppendBatches(Buffer batches, std::optional<LeaderEpoch> epoch,
                                           DurableCallback on_durable);
  absl::Status MaybeRoll(int64_t last_offset, uint64_t bytes);
  absl::Status Roll(int64_t new_base_offset);
  absl::StatusOr<std::shared_ptr<Segment>> CreateSegment(int64_t base_offset);
  void IssueWrites();
  void OnWriteDone(PendingWrite* write, absl::Status status);
  void CloseOutDurableSegments();
  // Fails every waiting append; their callbacks run last and may destroy the
  // log, so callers check alive_ afterwards.
  void GoOffline(absl::Status status);
  void RunIdleTasks();
  bool idle() const { return writes_.empty() && !preallocator_.busy(); }
  // Zeroes the active segment ahead of its writes when due (log.preallocate).
  void MaybePreallocate();
  void OnPreallocationProgress();
  // Trims the zeroes of a segment that is no longer active once its batches
  // are durable and its zeroing has ended; until then no later segment is
  // written (segment_preallocator.h).
  absl::Status TrimClosedPreallocation();
  absl::Status PersistEpochs();
  absl::Status PersistRecoveryPoint(int64_t offset);
  // Rebuilds the producer state by replaying every batch header of the log.
  absl::Status RebuildProducerState();
  // Registers `callback` for when offsets below `next_offset` are durable.
  void AddWaiter(int64_t next_offset, DurableCallback callback);
  absl::Status DeleteSegment(int64_t base_offset);
  std::shared_ptr<Segment> SegmentFor(int64_t offset) const;
  // Read() within one segment; empty data when the segment holds nothing at
  // or after `offset` below `upper`.
  absl::StatusOr<ReadResult> ReadSegment(const std::shared_ptr<Segment>& segment, int64_t offset, size_t max_bytes,
                                         int64_t upper, bool min_one_batch) const;
  // ReadRange() within one segment; nullopt when the segment holds no batch
  // at or after `offset` (the read goes on in the next segment).
  absl::StatusOr<std::optional<RangeReadResult>> ReadSegmentRange(const std::shared_ptr<Segment>& segment,
                                                                  int64_t offset, size_t max_bytes, int64_t upper,
                                                                  bool min_one_batch) const;
  std::shared_ptr<Segment> active() const { return segments_.rbegin()->second; }

  io::FileSystem* fs_;
  std::string dir_;
  LogConfig config_;
  const Clock* clock_;
  std::map<int64_t, std::shared_ptr<Segment>> segments_;
  LeaderEpochCache epochs_;
  ProducerStateManager producers_;
  int64_t log_start_offset_ = 0;
  int64_t log_end_offset_ = 0;
  int64_t durable_offset_ = 0;  // all writes below have completed and are durable
  // Persisted. Everything before it was durable when it was written, so a bad
  // batch there is corruption; after it, a bad batch may be a torn write.
  int64_t recovery_point_ = 0;
  // Write barrier: a write to segment S is issued only once every offset
  // before S's base is durable, so only the last non-empty segment can ever
  // have a torn tail (log_recovery.cc relies on this).
  std::deque<std::shared_ptr<PendingWrite>> writes_;
  std::deque<Waiter> waiters_;
  std::vector<absl::AnyInvocable<void() &&>> idle_tasks_;
  // One write at a time per log, each made durable by itself (O_DSYNC, see
  // io::File::WriteDurablyAt): queued appends are coalesced into the next
  // write, which is the group commit. One at a time also because concurrent
  // syncs through one open file share its write-back error cursor, so one
  // of them can return success for pages whose EIO the other consumed, and
  // acknowledging on that success would lose data.
  bool write_in_flight_ = false;
  // Set while acknowledgement callbacks run: the appends they make are
  // queued and issued together afterwards, as one write.
  bool acknowledging_ = false;
  int64_t flush_count_ = 0;
  FlushObserver flush_observer_;
  // Bytes of the last durable write issued: only small ones are worth
  // zeroing ahead of.
  uint64_t last_write_bytes_ = 0;
  SegmentPreallocator preallocator_;
  // Offset up to which the last compaction cleaned.
  int64_t cleaned_offset_ = 0;
  absl::Status failure_;
  // Lets callbacks that outlive the log notice it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::storage
