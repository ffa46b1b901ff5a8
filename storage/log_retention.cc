// PartitionLog operations that remove data: retention, DeleteRecords and
// follower truncation; plus the clean close that makes the next Open fast.
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "storage/checkpoint_file.h"
#include "storage/partition_log.h"
#include "storage/segment_files.h"

namespace cairn::storage {

absl::Status PartitionLog::DeleteSegment(int64_t base_offset) {
  auto it = segments_.find(base_offset);
  if (it == segments_.end()) return absl::NotFoundError(absl::StrCat("no segment at ", base_offset));
  std::shared_ptr<Segment> segment = it->second;
  segments_.erase(it);
  if (segment == preallocator_.segment()) preallocator_.Forget();
  // Readers still holding the segment keep reading the unlinked file.
  RETURN_IF_ERROR(segment->RemoveIndexFiles(*fs_));
  RETURN_IF_ERROR(fs_->Remove(segment->path()));
  return fs_->SyncDirectory(dir_);
}

namespace {
absl::Status PersistLogStart(io::FileSystem& fs, const std::string& dir, int64_t offset) {
  return WriteOffsetCheckpoint(fs, absl::StrCat(dir, "/", std::string(kLogStartOffsetFile)), offset);
}
}  // namespace

absl::StatusOr<int> PartitionLog::ApplyRetention() {
  if (!config_.cleanup_delete) return 0;
  const int64_t now_ms = clock_->NowMs();
  int deleted = 0;
  while (true) {
    std::shared_ptr<Segment> oldest = segments_.begin()->second;
    if (oldest->empty() || oldest->next_offset() > durable_offset_) break;
    const bool expired = config_.retention_ms >= 0 && oldest->max_timestamp() >= 0 &&
                         now_ms - oldest->max_timestamp() > config_.retention_ms;
    const bool oversized = config_.retention_bytes >= 0 &&
                           size_bytes() - static_cast<int64_t>(oldest->size_bytes()) >= config_.retention_bytes;
    if (!expired && !oversized) break;
    if (oldest == active()) {
      // Expired data in the active segment: roll so it can go, as Kafka does.
      if (!expired || !idle()) break;
      RETURN_IF_ERROR(Roll(log_end_offset_));
    }
    const int64_t next_base = std::next(segments_.begin())->first;
    RETURN_IF_ERROR(DeleteSegment(oldest->base_offset()));
    log_start_offset_ = std::max(log_start_offset_, next_base);
    ++deleted;
  }
  if (deleted > 0) {
    RETURN_IF_ERROR(PersistLogStart(*fs_, dir_, log_start_offset_));
    if (epochs_.TruncateFromStart(log_start_offset_)) RETURN_IF_ERROR(PersistEpochs());
    CAIRN_LOG(kInfo) << dir_ << ": retention deleted " << deleted << " segment(s); log start offset is now "
                     << log_start_offset_;
  }
  return deleted;
}

absl::Status PartitionLog::DeleteRecordsBefore(Offset offset, Offset high_watermark) {
  if (offset > high_watermark || offset.value() > log_end_offset_) {
    return absl::OutOfRangeError(absl::StrCat("cannot delete records before ", offset.value(),
                                              ": past the high watermark ", high_watermark.value()));
  }
  if (offset.value() <= log_start_offset_) return absl::OkStatus();
  log_start_offset_ = offset.value();
  RETURN_IF_ERROR(PersistLogStart(*fs_, dir_, log_start_offset_));
  while (segments_.size() > 1) {
    const std::shared_ptr<Segment>& oldest = segments_.begin()->second;
    if (oldest->next_offset() > log_start_offset_ || oldest->next_offset() > durable_offset_) break;
    RETURN_IF_ERROR(DeleteSegment(oldest->base_offset()));
  }
  if (epochs_.TruncateFromStart(log_start_offset_)) RETURN_IF_ERROR(PersistEpochs());
  return absl::OkStatus();
}

absl::Status PartitionLog::TruncateTo(Offset offset) {
  if (!idle()) return absl::FailedPreconditionError("truncation while writes are in flight");
  if (!failure_.ok()) return failure_;
  const int64_t target = offset.value();
  if (target >= log_end_offset_) return absl::OkStatus();
  // A cut must neither meet zeroed space nor leave it behind.
  RETURN_IF_ERROR(preallocator_.Trim());
  if (target <= segments_.begin()->first) {
    // Nothing survives: restart the log empty at `target`.
    RETURN_IF_ERROR(PersistRecoveryPoint(std::min(recovery_point_, target)));
    while (!segments_.empty()) RETURN_IF_ERROR(DeleteSegment(segments_.begin()->first));
    ASSIGN_OR_RETURN(auto segment, CreateSegment(target));
    segments_[target] = std::move(segment);
    log_start_offset_ = target;
    RETURN_IF_ERROR(PersistLogStart(*fs_, dir_, log_start_offset_));
  } else {
    std::shared_ptr<Segment> keep = SegmentFor(target);
    // Index files of the segment being cut must not be trusted again.
    RETURN_IF_ERROR(PersistRecoveryPoint(std::min(recovery_point_, keep->base_offset())));
    while (segments_.rbegin()->first > keep->base_offset()) RETURN_IF_ERROR(DeleteSegment(segments_.rbegin()->first));
    ASSIGN_OR_RETURN(uint64_t position, keep->FindPosition(target, keep->size_bytes()));
    RETURN_IF_ERROR(keep->TruncateAt(position));
    // The shorter file must be durable before any new append is acknowledged
    // on top of it, or a crash could resurrect the divergent batches.
    RETURN_IF_ERROR(keep->file()->Flush());
    RETURN_IF_ERROR(keep->RemoveIndexFiles(*fs_));
  }
  log_end_offset_ = active()->next_offset();
  durable_offset_ = log_end_offset_;
  if (log_start_offset_ > log_end_offset_) {
    // The batch holding the old start went too: the log starts at its end.
    log_start_offset_ = log_end_offset_;
    RETURN_IF_ERROR(PersistLogStart(*fs_, dir_, log_start_offset_));
  }
  if (epochs_.TruncateFromEnd(log_end_offset_)) RETURN_IF_ERROR(PersistEpochs());
  RETURN_IF_ERROR(RebuildProducerState());
  CAIRN_LOG(kInfo) << dir_ << ": truncated to offset " << log_end_offset_;
  return absl::OkStatus();
}

absl::Status PartitionLog::CloseCleanly() {
  if (!idle()) return absl::FailedPreconditionError("close while writes are in flight");
  if (!failure_.ok()) return failure_;
  // The next Open then finds the file ending at its last batch.
  RETURN_IF_ERROR(preallocator_.Trim());
  RETURN_IF_ERROR(active()->WriteIndexFiles(*fs_));
  // The producer state as of the log end; Open uses it only if the log still
  // ends exactly there, and deletes it once loaded.
  RETURN_IF_ERROR(WriteCheckpoint(*fs_, SegmentPath(dir_, log_end_offset_, kProducerSnapshotSuffix),
                                  producers_.Encode()));
  return PersistRecoveryPoint(log_end_offset_);
}

}  // namespace cairn::storage
