// PartitionLog: append with group-committed fdatasync, and reads. Recovery is
// in log_recovery.cc, retention and truncation in log_retention.cc,
// compaction in compaction.cc.
#include "storage/partition_log.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/error_reason.h"
#include "common/error_reason.h"
#include "common/logging.h"
#include "common/record_batch.h"
#include "common/status_macros.h"
#include "storage/batch_reader.h"
#include "storage/checkpoint_file.h"
#include "storage/segment_files.h"

namespace cairn::storage {

PartitionLog::PartitionLog(io::FileSystem* fs, std::string dir, LogConfig config, const Clock* clock)
    : fs_(fs),
      dir_(std::move(dir)),
      config_(config),
      clock_(clock),
      preallocator_(fs, [this] { OnPreallocationProgress(); }) {}

PartitionLog::~PartitionLog() {
  *alive_ = false;
  // Appends not yet durable are answered, never dropped: their producers
  // must hear that they may not have been stored.
  std::deque<Waiter> pending = std::move(waiters_);
  for (Waiter& waiter : pending) {
    std::move(waiter.callback)(absl::UnavailableError(
        absl::StrCat("partition log ", dir_, " closed before the append became durable")));
  }
}

absl::StatusOr<AppendInfo> PartitionLog::Append(Buffer batches, LeaderEpoch epoch, DurableCallback on_durable) {
  return AppendBatches(std::move(batches), epoch, std::move(on_durable));
}

absl::StatusOr<AppendInfo> PartitionLog::AppendReplicated(Buffer batches, DurableCallback on_durable) {
  return AppendBatches(std::move(batches), std::nullopt, std::move(on_durable));
}

namespace {

struct ParsedBatch {
  size_t position;  // within the request buffer
  RecordBatchHeader header;
};

// Validates every batch before any is accepted, so a request is all or nothing.
absl::StatusOr<std::vector<ParsedBatch>> ParseBatches(ByteSpan bytes, bool from_producer, int64_t max_batch_bytes,
                                                      int64_t expected_base_offset) {
  // Client-caused failures carry a reason, so the wire code does not depend on
  // the canonical code (a batch too large stays OutOfRange for storage).
  auto invalid = [](std::string message) {
    return WithReason(absl::InvalidArgumentError(std::move(message)), ErrorReason::kInvalidRecord);
  };
  if (bytes.empty()) return invalid("no record batches");
  std::vector<ParsedBatch> parsed;
  size_t pos = 0;
  int64_t next_offset = expected_base_offset;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kBatchHeaderBytes) {
      return invalid(absl::StrCat("truncated record batch at byte ", pos));
    }
    absl::StatusOr<RecordBatchHeader> parsed_header = ParseRecordBatchHeader(bytes.subspan(pos));
    if (!parsed_header.ok()) return WithReason(parsed_header.status(), ErrorReason::kInvalidRecord);
    const RecordBatchHeader& header = *parsed_header;
    if (header.size_bytes() > bytes.size() - pos) {
      return invalid(absl::StrCat("record batch at byte ", pos, " claims ", header.size_bytes(), " bytes but only ",
                                  bytes.size() - pos, " remain"));
    }
    if (static_cast<int64_t>(header.size_bytes()) > max_batch_bytes) {
      return WithReason(absl::OutOfRangeError(absl::StrCat("record batch of ", header.size_bytes(),
                                                           " bytes exceeds max.message.bytes ", max_batch_bytes)),
                        ErrorReason::kRecordTooLarge);
    }
    if (absl::Status valid = ValidateRecordBatch(bytes.subspan(pos, header.size_bytes())).status(); !valid.ok()) {
      // DataLoss is a CRC mismatch: the bytes changed on the way.
      return WithReason(valid, valid.code() == absl::StatusCode::kDataLoss ? ErrorReason::kCorruptRecord
                                                                            : ErrorReason::kInvalidRecord);
    }
    if (from_producer) {
      if (header.record_count < 1) return invalid("record batch has no records");
      if (header.last_offset_delta != header.record_count - 1) {
        return invalid(absl::StrCat("lastOffsetDelta ", header.last_offset_delta, " does not match recordCount ",
                                    header.record_count));
      }
    } else if (header.base_offset < next_offset) {
      return absl::InvalidArgumentError(absl::StrCat("replicated batch at offset ", header.base_offset,
                                                     " does not follow offset ", next_offset - 1));
    } else if (parsed.empty() && header.base_offset != expected_base_offset) {
      return absl::InvalidArgumentError(absl::StrCat("replicated batches start at ", header.base_offset,
                                                     " but the log ends at ", expected_base_offset));
    }
    if (!from_producer) next_offset = header.next_offset();
    parsed.push_back({pos, header});
    pos += header.size_bytes();
  }
  return parsed;
}

}  // namespace

absl::StatusOr<AppendInfo> PartitionLog::AppendBatches(Buffer batches, std::optional<LeaderEpoch> epoch,
                                                       DurableCallback on_durable) {
  if (!failure_.ok()) return failure_;
  ASSIGN_OR_RETURN(std::vector<ParsedBatch> parsed,
                   ParseBatches(batches, epoch.has_value(), config_.max_batch_bytes, log_end_offset_));
  if (epoch) {
    // Idempotence: every producer batch is checked before any is appended.
    ProducerStateManager tentative;
    const ProducerStateManager* checker = &producers_;
    if (parsed.size() > 1) {
      tentative = producers_;  // later batches of the request see earlier ones
      checker = &tentative;
    }
    for (const ParsedBatch& batch : parsed) {
      if (batch.header.producer_id < 0) continue;
      ASSIGN_OR_RETURN(auto duplicate, checker->Check(batch.header));
      if (duplicate && parsed.size() > 1) {
        return WithReason(absl::InvalidArgumentError("a retried batch inside a multi-batch request"),
                          ErrorReason::kInvalidRecord);
      }
      if (duplicate) {
        AppendInfo info;
        info.first_offset = Offset(duplicate->first_offset);
        info.last_offset = Offset(duplicate->last_offset);
        info.batch_count = 1;
        info.duplicate = true;
        info.already_durable = duplicate->last_offset < durable_offset_;
        if (!info.already_durable) AddWaiter(duplicate->last_offset + 1, std::move(on_durable));
        return info;
      }
      if (checker == &tentative) tentative.Update(batch.header);
    }
  }
  const int64_t now_ms = clock_->NowMs();
  AppendInfo info;
  info.first_offset = Offset(epoch ? log_end_offset_ : parsed.front().header.base_offset);
  info.batch_count = static_cast<int32_t>(parsed.size());

  // Consecutive batches bound for the same segment become one write.
  std::shared_ptr<Segment> run_segment;
  size_t run_begin = 0, run_end = 0;
  uint64_t run_position = 0;
  int64_t run_next_offset = 0;
  std::vector<std::shared_ptr<PendingWrite>> new_writes;
  auto emit_run = [&](bool whole_buffer) {
    if (!run_segment) return;
    auto write = std::make_shared<PendingWrite>();
    write->segment = run_segment;
    write->position = run_position;
    write->next_offset = run_next_offset;
    if (whole_buffer) {
      write->data = std::move(batches);
    } else {
      write->data.assign(batches.begin() + static_cast<ptrdiff_t>(run_begin),
                         batches.begin() + static_cast<ptrdiff_t>(run_end));
    }
    new_writes.push_back(std::move(write));
  };

  for (ParsedBatch& batch : parsed) {
    RecordBatchHeader& header = batch.header;
    MutableByteSpan bytes(batches.data() + batch.position, header.size_bytes());
    if (epoch) {
      header.base_offset = log_end_offset_;
      header.partition_leader_epoch = epoch->value();
      SetBatchBaseOffset(bytes, header.base_offset);
      SetBatchPartitionLeaderEpoch(bytes, header.partition_leader_epoch);
    }
    // On failure return the local status: the callbacks GoOffline runs may
    // destroy this log.
    if (absl::Status rolled = MaybeRoll(header.last_offset(), header.size_bytes()); !rolled.ok()) {
      GoOffline(rolled);
      return WithReason(rolled, ErrorReason::kStorageError);
    }
    if (epochs_.Assign(header.partition_leader_epoch, header.base_offset)) {
      if (absl::Status persisted = PersistEpochs(); !persisted.ok()) {
        GoOffline(persisted);
        return WithReason(persisted, ErrorReason::kStorageError);
      }
    }
    std::shared_ptr<Segment> segment = active();
    if (segment != run_segment) {
      emit_run(false);
      run_segment = segment;
      run_begin = batch.position;
      run_position = segment->size_bytes();
    }
    segment->Place(header, now_ms, config_.index_interval_bytes);
    producers_.Update(header);
    run_end = batch.position + header.size_bytes();
    run_next_offset = header.next_offset();
    log_end_offset_ = header.next_offset();
    info.max_timestamp = std::max(info.max_timestamp, header.max_timestamp);
  }
  emit_run(/*whole_buffer=*/new_writes.empty() && run_begin == 0 && run_end == batches.size());
  for (auto& write : new_writes) writes_.push_back(std::move(write));
  info.last_offset = Offset(log_end_offset_ - 1);
  waiters_.push_back({log_end_offset_, std::move(on_durable)});
  if (!acknowledging_) IssueWrites();
  return info;
}

void PartitionLog::AddWaiter(int64_t next_offset, DurableCallback callback) {
  // Waiters stay sorted by offset: a duplicate's original may precede the tail.
  auto at = std::upper_bound(waiters_.begin(), waiters_.end(), next_offset,
                             [](int64_t offset, const Waiter& w) { return offset < w.next_offset; });
  waiters_.insert(at, Waiter{next_offset, std::move(callback)});
}

absl::Status PartitionLog::RebuildProducerState() {
  producers_.Clear();
  for (const auto& [base, segment] : segments_) {
    BatchReader reader(*segment->file(), 0, segment->readable_bytes());
    while (true) {
      ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/false));
      if (!batch) break;
      producers_.Update(batch->header);
    }
  }
  return absl::OkStatus();
}

absl::Status PartitionLog::MaybeRoll(int64_t last_offset, uint64_t bytes) {
  const std::shared_ptr<Segment>& segment = active();
  const bool too_old = !segment->empty() && clock_->NowMs() - segment->first_batch_time_ms() >= config_.segment_ms;
  if (segment->CanHold(last_offset, bytes, config_.segment_bytes) && !too_old) return absl::OkStatus();
  return Roll(log_end_offset_);
}

absl::Status PartitionLog::Roll(int64_t new_base_offset) {
  ASSIGN_OR_RETURN(std::shared_ptr<Segment> segment, CreateSegment(new_base_offset));
  segments_[new_base_offset] = std::move(segment);
  // With nothing in flight, no completion would come to trim the old
  // segment's zeroes, and writes to the new one would wait for ever.
  return TrimClosedPreallocation();
}

absl::Status PartitionLog::TrimClosedPreallocation() {
  const std::shared_ptr<Segment>& zeroed = preallocator_.segment();
  if (zeroed == nullptr || zeroed == active() || preallocator_.busy() || zeroed->next_offset() > durable_offset_) {
    return absl::OkStatus();
  }
  return preallocator_.Trim();
}

absl::StatusOr<std::shared_ptr<Segment>> PartitionLog::CreateSegment(int64_t base_offset) {
  ASSIGN_OR_RETURN(std::unique_ptr<io::File> file,
                   fs_->Open(SegmentPath(dir_, base_offset, kLogSuffix), io::OpenMode::kCreateNew));
  // fdatasync of the file does not persist its directory entry: without this,
  // a crash could lose the whole new segment with acknowledged data in it.
  RETURN_IF_ERROR(fs_->SyncDirectory(dir_));
  return std::make_shared<Segment>(dir_, base_offset, std::shared_ptr<io::File>(std::move(file)));
}

void PartitionLog::IssueWrites() {
  if (write_in_flight_) return;
  auto first = std::find_if(writes_.begin(), writes_.end(), [](const auto& w) { return !w->issued; });
  if (first == writes_.end()) return;
  std::shared_ptr<PendingWrite> write = *first;
  if (write->segment->base_offset() > durable_offset_) return;  // the write barrier
  // Nor may a write pass an older segment's zeroes that await their trim, or
  // land where a zeroing write is still being copied in.
  if (const std::shared_ptr<Segment>& zeroed = preallocator_.segment(); zeroed != nullptr) {
    if (zeroed != write->segment ? zeroed->base_offset() < write->segment->base_offset() : preallocator_.writing()) {
      return;
    }
  }
  // Coalesce the queued writes that continue it in the same segment.
  auto last = std::next(first);
  size_t total = write->data.size();
  while (last != writes_.end() && (*last)->segment == write->segment &&
         (*last)->position == write->position + total) {
    total += (*last)->data.size();
    ++last;
  }
  if (std::next(first) != last) {
    write->data.reserve(total);
    for (auto it = std::next(first); it != last; ++it) {
      write->data.insert(write->data.end(), (*it)->data.begin(), (*it)->data.end());
      write->next_offset = (*it)->next_offset;
      // Freed as soon as copied: the coalesced buffer's pages are touched one
      // source at a time, so resident memory peaks near the queued bytes plus
      // one batch rather than twice the queued bytes (a produce flood must
      // stay within queued.max.request.bytes).
      Buffer().swap((*it)->data);
    }
    writes_.erase(std::next(first), last);
  }
  write->issued = true;
  write->issued_at = std::chrono::steady_clock::now();
  last_write_bytes_ = write->data.size();
  write_in_flight_ = true;
  ++flush_count_;
  write->segment->file()->WriteDurablyAt(write->position, write->data,
                                         [this, alive = alive_, write](absl::Status status) mutable {
                                           if (*alive) OnWriteDone(write.get(), std::move(status));
                                         });
}

void PartitionLog::OnWriteDone(PendingWrite* write, absl::Status status) {
  write->done = true;
  write_in_flight_ = false;
  if (!status.ok()) {
    // Never retried: the pages that failed may already be gone (DESIGN.md §3).
    std::erase_if(writes_, [](const std::shared_ptr<PendingWrite>& w) { return w->done; });
    const std::shared_ptr<bool> alive = alive_;
    GoOffline(absl::Status(status.code(), absl::StrCat("durable write to ", write->segment->path(),
                                                       " at position ", write->position, ": ", status.message())));
    if (*alive) RunIdleTasks();  // unless a failure callback destroyed the log
    return;
  }
  if (flush_observer_) flush_observer_(std::chrono::steady_clock::now() - write->issued_at);
  // One write in flight at a time, so completions come in offset order.
  CAIRN_CHECK(writes_.front().get() == write) << "durable write completed out of order in " << dir_;
  durable_offset_ = write->next_offset;
  write->segment->set_readable_bytes(write->position + write->data.size());
  writes_.pop_front();
  std::vector<DurableCallback> done;
  while (!waiters_.empty() && waiters_.front().next_offset <= durable_offset_) {
    done.push_back(std::move(waiters_.front().callback));
    waiters_.pop_front();
  }
  CloseOutDurableSegments();
  // Callbacks before issuing: the appends they make (a producer's next
  // batch) join one coalesced write instead of the first going out alone.
  acknowledging_ = true;
  const std::shared_ptr<bool> alive = alive_;
  for (DurableCallback& callback : done) std::move(callback)(absl::OkStatus());
  if (!*alive) return;  // a callback destroyed the log (e.g. deleted its topic)
  acknowledging_ = false;
  if (failure_.ok()) IssueWrites();
  // After the writes: a zeroing write queued behind them delays none.
  MaybePreallocate();
  RunIdleTasks();
}

void PartitionLog::MaybePreallocate() {
  if (!config_.preallocate || !failure_.ok()) return;
  // Like its writes, a segment's zeroing waits until every earlier segment is
  // durable, so a crash leaves zeroes only at the end of the last one.
  const std::shared_ptr<Segment> segment = active();
  if (segment->base_offset() > durable_offset_) return;
  preallocator_.MaybeStart(segment, last_write_bytes_, config_.segment_bytes);
}

void PartitionLog::OnPreallocationProgress() {
  const std::shared_ptr<bool> alive = alive_;
  CloseOutDurableSegments();  // a closed segment whose zeroing just ended is trimmed
  if (!*alive) return;
  if (failure_.ok()) IssueWrites();
  MaybePreallocate();
  RunIdleTasks();
}

void PartitionLog::CloseOutDurableSegments() {
  if (!failure_.ok()) return;
  // Closed segments that became wholly durable get their index files, and the
  // recovery point moves to the first segment still being written.
  // Until its zeroes are trimmed, a closed segment counts as open.
  if (absl::Status trimmed = TrimClosedPreallocation(); !trimmed.ok()) {
    GoOffline(trimmed);
    return;
  }
  int64_t first_open_base = active()->base_offset();
  for (auto it = segments_.find(SegmentFor(recovery_point_)->base_offset()); it != segments_.end(); ++it) {
    const std::shared_ptr<Segment>& segment = it->second;
    if (segment == active() || segment->next_offset() > durable_offset_ || segment == preallocator_.segment()) {
      first_open_base = segment->base_offset();
      break;
    }
    if (!segment->index_dirty()) continue;
    if (absl::Status written = segment->WriteIndexFiles(*fs_); !written.ok()) {
      GoOffline(written);
      return;
    }
  }
  if (first_open_base > recovery_point_) {
    if (absl::Status persisted = PersistRecoveryPoint(first_open_base); !persisted.ok()) GoOffline(persisted);
  }
}

absl::Status PartitionLog::CheckpointRecoveryPoint() {
  if (!failure_.ok()) return failure_;
  if (durable_offset_ <= recovery_point_) return absl::OkStatus();
  return PersistRecoveryPoint(durable_offset_);
}

void PartitionLog::GoOffline(absl::Status status) {
  if (!failure_.ok()) return;
  failure_ = WithReason(
      absl::Status(status.code(), absl::StrCat("log ", dir_, " is offline for writes: ", status.message())),
      ErrorReason::kStorageError);
  CAIRN_LOG(kError) << failure_;
  // Unissued writes are dropped; issued ones finish and are ignored.
  std::erase_if(writes_, [](const std::shared_ptr<PendingWrite>& w) { return !w->issued; });
  std::deque<Waiter> failed = std::move(waiters_);
  waiters_.clear();
  for (Waiter& waiter : failed) std::move(waiter.callback)(failure_);
}

void PartitionLog::WhenIdle(absl::AnyInvocable<void() &&> task) {
  idle_tasks_.push_back(std::move(task));
  if (idle()) RunIdleTasks();
}

void PartitionLog::RunIdleTasks() {
  const std::shared_ptr<bool> alive = alive_;
  while (idle() && !idle_tasks_.empty()) {
    auto tasks = std::move(idle_tasks_);
    idle_tasks_.clear();
    for (auto& task : tasks) {
      std::move(task)();
      // A task may destroy the log (closing every log at shutdown); the
      // tasks after it belonged to the log and go with it.
      if (!*alive) return;
    }
  }
}

absl::Status PartitionLog::PersistEpochs() {
  std::vector<CheckpointEntry> entries;
  for (const LeaderEpochCache::Entry& e : epochs_.entries()) entries.push_back({e.epoch, e.start_offset});
  return WriteCheckpoint(*fs_, absl::StrCat(dir_, "/", std::string(kLeaderEpochFile)), entries);
}

absl::Status PartitionLog::PersistRecoveryPoint(int64_t offset) {
  RETURN_IF_ERROR(WriteOffsetCheckpoint(*fs_, absl::StrCat(dir_, "/", std::string(kRecoveryPointFile)), offset));
  recovery_point_ = offset;
  return absl::OkStatus();
}

std::shared_ptr<Segment> PartitionLog::SegmentFor(int64_t offset) const {
  auto it = segments_.upper_bound(offset);
  if (it == segments_.begin()) return it->second;
  return std::prev(it)->second;
}

int64_t PartitionLog::size_bytes() const {
  int64_t total = 0;
  for (const auto& [base, segment] : segments_) total += static_cast<int64_t>(segment->size_bytes());
  return total;
}

std::vector<int64_t> PartitionLog::segment_base_offsets() const {
  std::vector<int64_t> bases;
  for (const auto& [base, segment] : segments_) bases.push_back(base);
  return bases;
}

absl::StatusOr<ReadResult> PartitionLog::Read(Offset offset, size_t max_bytes, Offset max_offset,
                                              bool min_one_batch) const {
  if (offset.value() < log_start_offset_ || offset.value() > log_end_offset_) {
    return WithReason(absl::OutOfRangeError(absl::StrCat("offset ", offset.value(), " is outside the log [",
                                                         log_start_offset_, ", ", log_end_offset_, "]")),
                      ErrorReason::kOffsetOutOfRange);
  }
  const int64_t upper = std::min(max_offset.value(), durable_offset_);
  for (auto it = segments_.find(SegmentFor(offset.value())->base_offset());
       it != segments_.end() && offset.value() < upper; ++it) {
    if (it->second->next_offset() <= offset.value()) continue;  // a gap left by compaction
    ASSIGN_OR_RETURN(ReadResult result, ReadSegment(it->second, offset.value(), max_bytes, upper, min_one_batch));
    if (!result.data.empty() || result.next_offset != offset) return result;
  }
  ReadResult empty;
  empty.next_offset = offset;
  return empty;
}

absl::StatusOr<ReadResult> PartitionLog::ReadSegment(const std::shared_ptr<Segment>& segment, int64_t offset,
                                                     size_t max_bytes, int64_t upper, bool min_one_batch) const {
  const uint64_t limit = segment->readable_bytes();
  const size_t want = std::max<size_t>(max_bytes, kBatchHeaderBytes);
  // One read usually does it all: start at the nearest index entry, which is
  // at most about index.interval.bytes (plus one batch) before the batch
  // holding `offset`, and read that slack on top of the window.
  uint64_t start = 0;
  if (offset > segment->base_offset()) {
    if (auto entry = segment->offset_index().Floor(static_cast<uint32_t>(
            std::min<int64_t>(offset - segment->base_offset(), std::numeric_limits<uint32_t>::max())))) {
      start = entry->position;
    }
  }
  ReadResult result;
  result.segment = segment;
  result.next_offset = Offset(offset);
  auto fill = [&](uint64_t position, uint64_t length) -> absl::Status {
    result.storage.resize(std::min<uint64_t>(limit - position, length));
    ASSIGN_OR_RETURN(size_t got, segment->file()->Read(position, result.storage));
    result.storage.resize(got);
    result.position = position;
    return absl::OkStatus();
  };
  if (start >= limit) return result;
  RETURN_IF_ERROR(fill(start, want + static_cast<uint64_t>(config_.index_interval_bytes)));
  // Skip the batches before the one holding `offset`.
  size_t skip = 0;
  bool found = false;
  while (result.storage.size() - skip >= kBatchHeaderBytes) {
    ASSIGN_OR_RETURN(RecordBatchHeader header, ParseRecordBatchHeader(ByteSpan(result.storage).subspan(skip)));
    if (header.last_offset() >= offset) {
      found = true;
      break;
    }
    skip += header.size_bytes();
  }
  if (!found) {
    // Rare: the batches before it outgrew the slack. Find it exactly.
    ASSIGN_OR_RETURN(uint64_t position, segment->FindPosition(offset, limit));
    if (position >= limit) return result;
    RETURN_IF_ERROR(fill(position, want));
    skip = 0;
  }
  // Take whole batches up to max_bytes, below `upper`.
  size_t used = skip;
  int64_t next = offset;
  while (result.storage.size() - used >= kBatchHeaderBytes) {
    ASSIGN_OR_RETURN(RecordBatchHeader header, ParseRecordBatchHeader(ByteSpan(result.storage).subspan(used)));
    if (header.base_offset >= upper) break;
    const bool fits = header.size_bytes() <= result.storage.size() - used && used - skip + header.size_bytes() <= max_bytes;
    if (!fits) {
      if (used == skip && min_one_batch) {
        // The first batch alone is larger than the window: return it whole.
        const uint64_t position = result.position + skip;
        RETURN_IF_ERROR(fill(position, header.size_bytes()));
        if (result.storage.size() != header.size_bytes()) {
          return absl::DataLossError(absl::StrCat(segment->path(), ": short read at position ", position));
        }
        skip = 0;
        used = header.size_bytes();
        next = header.next_offset();
      }
      break;
    }
    used += header.size_bytes();
    next = header.next_offset();
  }
  result.data = ByteSpan(result.storage).subspan(skip, used - skip);
  result.position += skip;
  result.next_offset = Offset(next);
  return result;
}

absl::StatusOr<RangeReadResult> PartitionLog::ReadRange(Offset offset, size_t max_bytes, Offset max_offset,
                                                        bool min_one_batch) const {
  if (offset.value() < log_start_offset_ || offset.value() > log_end_offset_) {
    return WithReason(absl::OutOfRangeError(absl::StrCat("offset ", offset.value(), " is outside the log [",
                                                         log_start_offset_, ", ", log_end_offset_, "]")),
                      ErrorReason::kOffsetOutOfRange);
  }
  const int64_t upper = std::min(max_offset.value(), durable_offset_);
  for (auto it = segments_.find(SegmentFor(offset.value())->base_offset());
       it != segments_.end() && offset.value() < upper; ++it) {
    if (it->second->next_offset() <= offset.value()) continue;  // a gap left by compaction
    ASSIGN_OR_RETURN(std::optional<RangeReadResult> result,
                     ReadSegmentRange(it->second, offset.value(), max_bytes, upper, min_one_batch));
    // The batch holding `offset` was found: that is the answer, even empty
    // (a first batch over max_bytes without min_one_batch is not skipped).
    if (result) return *std::move(result);
  }
  RangeReadResult empty;
  empty.next_offset = offset;
  return empty;
}

absl::StatusOr<std::optional<RangeReadResult>> PartitionLog::ReadSegmentRange(
    const std::shared_ptr<Segment>& segment, int64_t offset, size_t max_bytes, int64_t upper,
    bool min_one_batch) const {
  const uint64_t limit = segment->readable_bytes();
  const int64_t base = segment->base_offset();
  RangeReadResult result;
  result.segment = segment;
  result.next_offset = Offset(offset);
  uint64_t start = 0;
  if (offset > base) {
    if (auto entry = segment->offset_index().Floor(
            static_cast<uint32_t>(std::min<int64_t>(offset - base, std::numeric_limits<uint32_t>::max())))) {
      start = entry->position;
    }
  }
  if (start >= limit) return std::nullopt;
  BatchHeaderScanner scanner(*segment->file(), start, limit);
  // The batch holding `offset`: at most about index.interval.bytes past the
  // index entry.
  std::optional<BatchHeaderScanner::Entry> first;
  while (!first) {
    ASSIGN_OR_RETURN(std::optional<BatchHeaderScanner::Entry> entry, scanner.Next());
    if (!entry) return std::nullopt;
    if (entry->header.last_offset() >= offset) first = entry;
  }
  if (first->header.base_offset >= upper) return result;
  const uint64_t begin = first->position;
  uint64_t end = begin + first->header.size_bytes();
  int64_t next = first->header.next_offset();
  if (end - begin > max_bytes) {
    if (!min_one_batch) return result;
    // The first batch alone is larger than max_bytes: return it whole (KIP-74).
    result.position = begin;
    result.length = end - begin;
    result.next_offset = Offset(next);
    return result;
  }
  // Jump to the last indexed batch start that ends a run of batches that all
  // fit: every batch before an entry's position has a base offset below the
  // entry's, so with entry offset <= upper and position <= begin + max_bytes
  // they are all within bounds, and their headers need no reading.
  const uint64_t window_end = limit - begin <= max_bytes ? limit : begin + max_bytes;
  const int64_t max_relative = std::min<int64_t>(upper - base, std::numeric_limits<uint32_t>::max());
  const std::vector<OffsetIndex::Entry>& entries = segment->offset_index().entries();
  const auto by_position = std::upper_bound(entries.begin(), entries.end(), window_end,
                                            [](uint64_t value, const OffsetIndex::Entry& e) { return value < e.position; });
  const auto by_offset = std::upper_bound(entries.begin(), entries.end(), max_relative,
                                          [](int64_t value, const OffsetIndex::Entry& e) {
                                            return value < static_cast<int64_t>(e.relative_offset);
                                          });
  const auto stop = std::min(by_position, by_offset);
  if (stop != entries.begin() && std::prev(stop)->position > end) {
    const OffsetIndex::Entry& jump = *std::prev(stop);
    end = jump.position;
    next = base + jump.relative_offset;
    scanner.Seek(end);
  }
  // Then whole batches one by one while they fit: at most about one index
  // interval plus one batch after the jump.
  while (true) {
    ASSIGN_OR_RETURN(std::optional<BatchHeaderScanner::Entry> entry, scanner.Next());
    if (!entry || entry->header.base_offset >= upper) break;
    const uint64_t batch_end = entry->position + entry->header.size_bytes();
    if (batch_end - begin > max_bytes) break;
    end = batch_end;
    next = entry->header.next_offset();
  }
  result.position = begin;
  result.length = end - begin;
  result.next_offset = Offset(next);
  return result;
}

absl::Status PartitionLog::Verify() const {
  int64_t expected_next = -1;
  for (const auto& [base, segment] : segments_) {
    BatchReader reader(*segment->file(), 0, segment->readable_bytes());
    while (true) {
      auto batch = reader.Next(/*verify_crc=*/true);
      if (!batch.ok()) return batch.status();
      if (!*batch) break;
      const RecordBatchHeader& h = (*batch)->header;
      if (h.base_offset < expected_next || h.base_offset < base) {
        return absl::DataLossError(absl::StrCat(segment->path(), " position ", (*batch)->position, ": offset ",
                                                h.base_offset, " out of order"));
      }
      expected_next = h.next_offset();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TimestampLookup>> PartitionLog::LookupTimestamp(int64_t timestamp) const {
  for (const auto& [base, segment] : segments_) {
    if (segment->max_timestamp() < timestamp) continue;
    uint64_t start = 0;
    if (auto entry = segment->time_index().LastBefore(timestamp)) {
      ASSIGN_OR_RETURN(start, segment->FindPosition(base + entry->relative_offset, segment->readable_bytes()));
    }
    BatchReader reader(*segment->file(), start, segment->readable_bytes());
    while (true) {
      ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/false));
      if (!batch) break;
      const RecordBatchHeader& h = batch->header;
      if (h.max_timestamp < timestamp || h.next_offset() <= log_start_offset_) continue;
      if (h.log_append_time()) return TimestampLookup{Offset(std::max(h.base_offset, log_start_offset_)), h.max_timestamp};
      ASSIGN_OR_RETURN(std::vector<Record> records,
                       DecodeRecords(batch->bytes, static_cast<size_t>(config_.max_decompressed_bytes)));
      for (const Record& record : records) {
        const int64_t offset = h.base_offset + record.offset_delta;
        const int64_t record_time = h.base_timestamp + record.timestamp_delta;
        if (record_time >= timestamp && offset >= log_start_offset_) return TimestampLookup{Offset(offset), record_time};
      }
    }
  }
  return std::nullopt;
}

}  // namespace cairn::storage
