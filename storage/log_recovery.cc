// PartitionLog::Open: brings a partition directory back to a consistent log
// after a clean stop or a crash (docs/format/segment.md, "Recovery").
//
// Policy: leftover compaction files are resolved first; segments below the
// recovery point trust their index files; everything after it is read back,
// batch by batch, checking length, header and CRC32C. A bad batch is a torn
// tail, and is truncated with a warning, only if it lies after the recovery
// point, in the last non-empty segment, with no valid batch after it. Any
// other bad batch is reported as DataLoss with file and position.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "storage/batch_reader.h"
#include "storage/checkpoint_file.h"
#include "storage/partition_log.h"
#include "storage/segment_files.h"

namespace cairn::storage {
namespace {

// Whether bytes [from, to) of `file` are all zero: space preallocated past the
// last batch (storage/segment_preallocator.h) rather than a torn write.
absl::StatusOr<bool> OnlyZeroes(io::File& file, uint64_t from, uint64_t to) {
  Buffer chunk(std::min<uint64_t>(to - from, 1 << 20));
  for (uint64_t at = from; at < to;) {
    MutableByteSpan window(chunk.data(), std::min<uint64_t>(chunk.size(), to - at));
    ASSIGN_OR_RETURN(size_t read, file.Read(at, window));
    if (read == 0) return true;  // the file ended sooner
    for (size_t i = 0; i < read; ++i) {
      if (window[i] != 0) return false;
    }
    at += read;
  }
  return true;
}

}  // namespace

class LogRecovery {
 public:
  explicit LogRecovery(PartitionLog& log) : log_(log), fs_(*log.fs_), dir_(log.dir_) {}

  absl::Status Run() {
    RETURN_IF_ERROR(fs_.CreateDirectories(dir_));
    // A new partition directory must survive a crash along with its data.
    const size_t slash = dir_.rfind('/');
    RETURN_IF_ERROR(fs_.SyncDirectory(slash == std::string::npos ? "." : slash == 0 ? "/" : dir_.substr(0, slash)));
    RETURN_IF_ERROR(ResolveLeftovers());
    RETURN_IF_ERROR(ReadCheckpoints());
    ASSIGN_OR_RETURN(std::vector<int64_t> bases, SegmentBases());
    if (bases.empty()) {
      const int64_t base = std::max<int64_t>(log_start_checkpoint_, 0);
      ASSIGN_OR_RETURN(auto segment, log_.CreateSegment(base));
      log_.segments_[base] = std::move(segment);
    }
    for (size_t i = 0; i < bases.size(); ++i) {
      ASSIGN_OR_RETURN(bool torn, LoadSegment(bases, i));
      if (torn) break;
    }
    return Finish();
  }

 private:
  absl::StatusOr<std::vector<std::string>> List() { return fs_.ListDirectory(dir_); }
  std::string PathOf(std::string_view name) const { return absl::StrCat(dir_, "/", std::string(name)); }

  // A crash during compaction or a checkpoint write leaves these behind.
  absl::Status ResolveLeftovers() {
    ASSIGN_OR_RETURN(std::vector<std::string> names, List());
    for (const std::string& name : names) {
      if (name.ends_with(".tmp") || ParseSegmentName(name, kCleanedSuffix)) {
        RETURN_IF_ERROR(fs_.Remove(PathOf(name)));
      } else if (auto base = ParseSegmentName(name, kSwapSuffix)) {
        // The cleaned copy was complete: finish replacing the original.
        const std::string log_path = SegmentPath(dir_, *base, kLogSuffix);
        ASSIGN_OR_RETURN(bool exists, fs_.Exists(log_path));
        if (exists) RETURN_IF_ERROR(fs_.Remove(log_path));
        for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix}) {
          ASSIGN_OR_RETURN(bool index_exists, fs_.Exists(SegmentPath(dir_, *base, suffix)));
          if (index_exists) RETURN_IF_ERROR(fs_.Remove(SegmentPath(dir_, *base, suffix)));
        }
        RETURN_IF_ERROR(fs_.Rename(PathOf(name), log_path));
        CAIRN_LOG(kInfo) << "completed the interrupted swap of compacted segment " << log_path;
      }
    }
    return fs_.SyncDirectory(dir_);
  }

  absl::Status ReadCheckpoints() {
    ASSIGN_OR_RETURN(recovery_point_, ReadOffsetCheckpoint(fs_, PathOf(kRecoveryPointFile), 0));
    ASSIGN_OR_RETURN(log_start_checkpoint_, ReadOffsetCheckpoint(fs_, PathOf(kLogStartOffsetFile), 0));
    ASSIGN_OR_RETURN(bool epochs_exist, fs_.Exists(PathOf(kLeaderEpochFile)));
    if (epochs_exist) {
      ASSIGN_OR_RETURN(auto entries, ReadCheckpoint(fs_, PathOf(kLeaderEpochFile), 2));
      std::vector<LeaderEpochCache::Entry> epochs;
      for (const CheckpointEntry& e : entries) epochs.push_back({static_cast<int32_t>(e[0]), e[1]});
      log_.epochs_.Replace(std::move(epochs));
    }
    return absl::OkStatus();
  }

  // Base offsets of the .log files; index files without a log are removed.
  absl::StatusOr<std::vector<int64_t>> SegmentBases() {
    ASSIGN_OR_RETURN(std::vector<std::string> names, List());
    std::vector<int64_t> bases;
    for (const std::string& name : names) {
      if (auto base = ParseSegmentName(name, kLogSuffix)) bases.push_back(*base);
    }
    std::sort(bases.begin(), bases.end());
    for (const std::string& name : names) {
      auto base = ParseSegmentName(name, kIndexSuffix);
      if (!base) base = ParseSegmentName(name, kTimeIndexSuffix);
      if (base && !std::binary_search(bases.begin(), bases.end(), *base)) RETURN_IF_ERROR(fs_.Remove(PathOf(name)));
    }
    return bases;
  }

  absl::StatusOr<bool> LaterSegmentsEmpty(const std::vector<int64_t>& bases, size_t i) {
    for (size_t j = i + 1; j < bases.size(); ++j) {
      ASSIGN_OR_RETURN(auto file, fs_.Open(SegmentPath(dir_, bases[j], kLogSuffix), io::OpenMode::kReadOnly));
      ASSIGN_OR_RETURN(uint64_t size, file->Size());
      if (size > 0) return false;
    }
    return true;
  }

  // Loads segment bases[i]; returns true when it ended in a torn tail that
  // was truncated (later segments, all empty, are then deleted).
  absl::StatusOr<bool> LoadSegment(const std::vector<int64_t>& bases, size_t i) {
    const int64_t base = bases[i];
    ASSIGN_OR_RETURN(std::unique_ptr<io::File> opened,
                     fs_.Open(SegmentPath(dir_, base, kLogSuffix), io::OpenMode::kReadWrite));
    std::shared_ptr<io::File> file(std::move(opened));
    ASSIGN_OR_RETURN(uint64_t file_size, file->Size());
    auto segment = std::make_shared<Segment>(dir_, base, file);
    if (!log_.segments_.empty() && log_.segments_.rbegin()->second->next_offset() > base) {
      return absl::DataLossError(absl::StrCat("segment ", segment->path(), " starts at offset ", base,
                                              " inside the previous segment"));
    }
    const uint64_t resume = segment->LoadIndexFiles(fs_, recovery_point_, file_size);
    if (resume == 0) segment->ResetTo(0, base);
    if (resume > 0) {
      const auto& times = segment->time_index().entries();
      segment->set_first_batch_time_ms(times.empty() ? log_.clock_->NowMs() : times.front().timestamp);
    }

    BatchReader reader(*file, resume, file_size);
    bool torn = false;
    while (true) {
      auto batch = reader.Next(/*verify_crc=*/true);
      if (batch.ok() && !*batch) break;
      if (batch.ok() && (*batch)->header.base_offset < segment->next_offset()) {
        return absl::DataLossError(absl::StrCat("corrupt log ", segment->path(), " at position ", (*batch)->position,
                                                ": offset ", (*batch)->header.base_offset, " does not follow ",
                                                segment->next_offset() - 1));
      }
      if (batch.ok() && (*batch)->header.last_offset() - base > std::numeric_limits<int32_t>::max()) {
        return absl::DataLossError(absl::StrCat("corrupt log ", segment->path(), " at position ", (*batch)->position,
                                                ": offset beyond the segment's range"));
      }
      if (batch.ok()) {
        segment->Place((*batch)->header, (*batch)->header.max_timestamp, log_.config_.index_interval_bytes);
        continue;
      }
      ASSIGN_OR_RETURN(bool is_tail, IsTornTail(*segment, bases, i));
      if (!is_tail) {
        return absl::DataLossError(absl::StrCat("corrupt log ", file->path(), " at position ",
                                                reader.error_position(), ": ", batch.status().message()));
      }
      ASSIGN_OR_RETURN(bool preallocated, OnlyZeroes(*file, reader.error_position(), file_size));
      if (preallocated) {
        CAIRN_LOG(kInfo) << "dropping " << file_size - reader.error_position() << " preallocated bytes after the last "
                         << "batch of " << file->path();
      } else {
        CAIRN_LOG(kWarning) << "truncating torn tail of " << file->path() << " at position " << reader.error_position()
                            << " (" << file_size - reader.error_position() << " bytes): " << batch.status().message();
      }
      RETURN_IF_ERROR(file->Truncate(reader.error_position()));
      torn = true;
      break;
    }
    segment->set_readable_bytes(segment->size_bytes());
    if (segment->next_offset() > recovery_point_ || torn) needs_sync_.push_back(file);
    if (torn) {
      for (size_t j = i + 1; j < bases.size(); ++j) {
        RETURN_IF_ERROR(fs_.Remove(SegmentPath(dir_, bases[j], kLogSuffix)));
        RETURN_IF_ERROR(Segment(dir_, bases[j], nullptr).RemoveIndexFiles(fs_));
      }
    }
    // An empty segment after a kept one holds nothing, and a trailing one left
    // by a roll whose predecessor then lost its unsynced tail would claim a
    // log end beyond the data: drop it. The first segment is always kept, so
    // a log whose every batch was lost restarts at its first offset.
    if (segment->empty() && !log_.segments_.empty()) {
      RETURN_IF_ERROR(fs_.Remove(segment->path()));
      RETURN_IF_ERROR(segment->RemoveIndexFiles(fs_));
      std::erase(needs_sync_, file);
      return torn;
    }
    log_.segments_[base] = std::move(segment);
    return torn;
  }

  // A bad batch is a torn tail only where a crash could have left one: after
  // the recovery point (nothing there was known durable when it was last
  // persisted) and in the last non-empty segment (the write barrier keeps
  // later segments empty until earlier ones are durable). Valid-looking
  // batches after it do not make it corruption: unsynced pages reach the disk
  // in any order.
  absl::StatusOr<bool> IsTornTail(const Segment& segment, const std::vector<int64_t>& bases, size_t i) {
    if (segment.next_offset() < recovery_point_) return false;
    return LaterSegmentsEmpty(bases, i);
  }

  absl::Status Finish() {
    PartitionLog& log = log_;
    const std::shared_ptr<Segment>& last = log.segments_.rbegin()->second;
    log.log_end_offset_ = last->next_offset();
    log.durable_offset_ = log.log_end_offset_;
    // What a crashed process left in the page cache is made durable before
    // anything is acknowledged on top of it.
    for (const auto& file : needs_sync_) RETURN_IF_ERROR(file->Flush());
    const int64_t first_base = log.segments_.begin()->first;
    log.log_start_offset_ = std::max(log_start_checkpoint_, first_base);
    if (log.log_start_offset_ > log.log_end_offset_) {
      CAIRN_LOG(kWarning) << dir_ << ": log start offset " << log.log_start_offset_ << " is past the log end "
                          << log.log_end_offset_ << "; clamping";
      log.log_start_offset_ = log.log_end_offset_;
    }
    log.cleaned_offset_ = log.log_start_offset_;
    const bool epochs_changed = log.epochs_.TruncateFromEnd(log.log_end_offset_) |
                                log.epochs_.TruncateFromStart(log.log_start_offset_);
    if (epochs_changed) RETURN_IF_ERROR(log.PersistEpochs());
    RETURN_IF_ERROR(LoadProducerState());
    // Every closed segment is now verified and durable: persist the indexes
    // the files lack and move the recovery point up to the active segment.
    for (const auto& [base, segment] : log.segments_) {
      if (segment != last && segment->index_dirty()) RETURN_IF_ERROR(segment->WriteIndexFiles(fs_));
    }
    return log.PersistRecoveryPoint(std::max(std::min(recovery_point_, log.log_end_offset_), last->base_offset()));
  }

  // From the clean-close snapshot when it matches the log end; otherwise by
  // replaying the log. Snapshots are removed once read: after this open they
  // would be stale.
  absl::Status LoadProducerState() {
    ASSIGN_OR_RETURN(std::vector<std::string> names, List());
    bool loaded = false;
    for (const std::string& name : names) {
      auto offset = ParseSegmentName(name, kProducerSnapshotSuffix);
      if (!offset) continue;
      if (*offset == log_.log_end_offset_ && !loaded) {
        auto entries = ReadCheckpoint(fs_, PathOf(name), 6);
        auto state = entries.ok() ? ProducerStateManager::Decode(*entries) : entries.status();
        if (state.ok()) {
          log_.producers_ = std::move(*state);
          loaded = true;
        } else {
          CAIRN_LOG(kWarning) << "ignoring producer snapshot " << PathOf(name) << ": " << state.status();
        }
      }
      RETURN_IF_ERROR(fs_.Remove(PathOf(name)));
    }
    return loaded ? absl::OkStatus() : log_.RebuildProducerState();
  }

  PartitionLog& log_;
  io::FileSystem& fs_;
  const std::string& dir_;
  int64_t recovery_point_ = 0;
  int64_t log_start_checkpoint_ = 0;
  std::vector<std::shared_ptr<io::File>> needs_sync_;
};

absl::StatusOr<std::unique_ptr<PartitionLog>> PartitionLog::Open(io::FileSystem* fs, std::string dir,
                                                                 LogConfig config, const Clock* clock) {
  std::unique_ptr<PartitionLog> log(new PartitionLog(fs, std::move(dir), config, clock));
  RETURN_IF_ERROR(LogRecovery(*log).Run());
  return log;
}

}  // namespace cairn::storage
