#include "storage/compaction.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/logging.h"
#include "common/record_batch.h"
#include "common/status_macros.h"
#include "storage/batch_reader.h"
#include "storage/partition_log.h"
#include "storage/segment_files.h"

namespace cairn::storage {

struct CompactionJob::KeyMap {
  absl::flat_hash_map<std::string, int64_t> offsets;
};
struct CompactionJob::ProducerMap {
  absl::flat_hash_map<int64_t, int64_t> last_batch;
};

CompactionJob::CompactionJob(io::FileSystem* fs, std::string dir, LogConfig config, int64_t now_ms,
                             std::vector<std::shared_ptr<Segment>> inputs)
    : fs_(fs), dir_(std::move(dir)), config_(config), now_ms_(now_ms),
      latest_(std::make_shared<KeyMap>()), last_producer_batch_(std::make_shared<ProducerMap>()) {
  for (auto& input : inputs) outputs_.push_back(Output{std::move(input)});
}

absl::Status CompactionJob::BuildKeyMap() {
  for (const Output& output : outputs_) {
    const Segment& segment = *output.input;
    BatchReader reader(*segment.file(), 0, segment.size_bytes());
    while (true) {
      ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/true));
      if (!batch) break;
      const RecordBatchHeader& h = batch->header;
      if (h.producer_id >= 0) last_producer_batch_->last_batch[h.producer_id] = h.base_offset;
      if (h.is_control()) continue;
      ASSIGN_OR_RETURN(std::vector<Record> records,
                       DecodeRecords(batch->bytes, static_cast<size_t>(config_.max_decompressed_bytes)));
      for (Record& record : records) {
        if (record.key) latest_->offsets[std::move(*record.key)] = h.base_offset + record.offset_delta;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CompactionJob::CleanSegment(Output& output) {
  const Segment& input = *output.input;
  output.cleaned_path = SegmentPath(dir_, input.base_offset(), kCleanedSuffix);
  ASSIGN_OR_RETURN(std::unique_ptr<io::File> cleaned, fs_->Open(output.cleaned_path, io::OpenMode::kCreateReadWrite));
  RETURN_IF_ERROR(cleaned->Truncate(0));
  uint64_t written = 0;
  BatchReader reader(*input.file(), 0, input.size_bytes());
  while (true) {
    ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/true));
    if (!batch) break;
    const RecordBatchHeader& h = batch->header;
    Buffer rewritten;
    ByteSpan keep = batch->bytes;
    if (!h.is_control()) {
      ASSIGN_OR_RETURN(std::vector<Record> records,
                       DecodeRecords(batch->bytes, static_cast<size_t>(config_.max_decompressed_bytes)));
      std::vector<Record> kept;
      for (Record& record : records) {
        ++stats_.records_read;
        const int64_t offset = h.base_offset + record.offset_delta;
        if (record.key) {
          auto it = latest_->offsets.find(*record.key);
          if (it != latest_->offsets.end() && it->second != offset) continue;  // superseded
          const int64_t timestamp = h.log_append_time() ? h.max_timestamp : h.base_timestamp + record.timestamp_delta;
          if (!record.value && now_ms_ - timestamp > config_.delete_retention_ms) {
            ++stats_.tombstones_dropped;
            continue;
          }
        }
        kept.push_back(std::move(record));
      }
      stats_.records_kept += static_cast<int64_t>(kept.size());
      if (kept.size() != records.size()) {
        output.changed = true;
        const bool producer_needs_batch =
            h.producer_id >= 0 && last_producer_batch_->last_batch[h.producer_id] == h.base_offset;
        if (kept.empty() && !producer_needs_batch) continue;
        RecordBatchOptions options;
        options.compression = h.compression();
        options.base_offset = h.base_offset;
        options.partition_leader_epoch = h.partition_leader_epoch;
        options.base_timestamp = h.base_timestamp;
        options.log_append_time = h.log_append_time();
        options.producer_id = h.producer_id;
        options.producer_epoch = h.producer_epoch;
        options.base_sequence = h.base_sequence;
        options.transactional = h.is_transactional();
        options.last_offset_delta = h.last_offset_delta;
        ASSIGN_OR_RETURN(rewritten, BuildRecordBatch(options, kept));
        keep = rewritten;
      }
    }
    RETURN_IF_ERROR(cleaned->Write(written, keep));
    written += keep.size();
  }
  stats_.bytes_before += static_cast<int64_t>(input.size_bytes());
  stats_.bytes_after += static_cast<int64_t>(written);
  output.empty = written == 0;
  if (!output.changed) {
    cleaned.reset();
    return fs_->Remove(output.cleaned_path);
  }
  return cleaned->Flush();
}

absl::Status CompactionJob::Run() {
  CAIRN_CHECK(!ran_) << "a compaction job runs once";
  ran_ = true;
  RETURN_IF_ERROR(BuildKeyMap());
  for (Output& output : outputs_) RETURN_IF_ERROR(CleanSegment(output));
  return absl::OkStatus();
}

std::unique_ptr<CompactionJob> PartitionLog::PrepareCompaction(bool force) {
  if (!config_.cleanup_compact || !failure_.ok()) return nullptr;
  std::vector<std::shared_ptr<Segment>> inputs;
  int64_t total = 0, dirty = 0;
  for (const auto& [base, segment] : segments_) {
    if (segment == active() || segment->next_offset() > durable_offset_ || segment->empty() ||
        segment == preallocator_.segment()) {
      break;
    }
    inputs.push_back(segment);
    total += static_cast<int64_t>(segment->size_bytes());
    if (segment->next_offset() > cleaned_offset_) dirty += static_cast<int64_t>(segment->size_bytes());
  }
  if (inputs.empty() || dirty == 0) return nullptr;
  if (!force && static_cast<double>(dirty) < config_.min_cleanable_dirty_ratio * static_cast<double>(total)) {
    return nullptr;
  }
  return std::make_unique<CompactionJob>(fs_, dir_, config_, clock_->NowMs(), std::move(inputs));
}

absl::Status PartitionLog::CommitCompaction(CompactionJob& job) {
  CAIRN_CHECK(job.ran_) << "commit of a compaction job that did not run";
  int64_t cleaned_to = cleaned_offset_;
  for (CompactionJob::Output& output : job.outputs_) {
    const int64_t base = output.input->base_offset();
    auto it = segments_.find(base);
    const bool still_there = it != segments_.end() && it->second == output.input;
    cleaned_to = std::max(cleaned_to, output.input->next_offset());
    if (!output.changed) continue;
    if (!still_there) {
      // Retention or truncation removed it meanwhile: the copy is moot.
      RETURN_IF_ERROR(fs_->Remove(output.cleaned_path));
      continue;
    }
    if (output.empty) {
      RETURN_IF_ERROR(fs_->Remove(output.cleaned_path));
      RETURN_IF_ERROR(DeleteSegment(base));
      continue;
    }
    // Swap protocol (docs/format/segment.md): old indexes go first, then
    // .cleaned -> .swap, then .swap replaces .log. Recovery completes a swap.
    const std::string swap_path = SegmentPath(dir_, base, kSwapSuffix);
    RETURN_IF_ERROR(output.input->RemoveIndexFiles(*fs_));
    RETURN_IF_ERROR(fs_->Rename(output.cleaned_path, swap_path));
    RETURN_IF_ERROR(fs_->SyncDirectory(dir_));
    RETURN_IF_ERROR(fs_->Rename(swap_path, output.input->path()));
    RETURN_IF_ERROR(fs_->SyncDirectory(dir_));
    ASSIGN_OR_RETURN(std::unique_ptr<io::File> file, fs_->Open(output.input->path(), io::OpenMode::kReadWrite));
    auto segment = std::make_shared<Segment>(dir_, base, std::shared_ptr<io::File>(std::move(file)));
    ASSIGN_OR_RETURN(uint64_t size, segment->file()->Size());
    BatchReader reader(*segment->file(), 0, size);
    while (true) {
      ASSIGN_OR_RETURN(auto batch, reader.Next(/*verify_crc=*/true));
      if (!batch) break;
      segment->Place(batch->header, output.input->first_batch_time_ms(), config_.index_interval_bytes);
    }
    segment->set_readable_bytes(segment->size_bytes());
    RETURN_IF_ERROR(segment->WriteIndexFiles(*fs_));
    it->second = std::move(segment);
  }
  cleaned_offset_ = cleaned_to;
  const CompactionStats& stats = job.stats();
  CAIRN_LOG(kInfo) << dir_ << ": compaction kept " << stats.records_kept << " of " << stats.records_read
                   << " records, dropped " << stats.tombstones_dropped << " tombstones, " << stats.bytes_before
                   << " -> " << stats.bytes_after << " bytes";
  return absl::OkStatus();
}

absl::Status PartitionLog::CompactNow() {
  std::unique_ptr<CompactionJob> job = PrepareCompaction(/*force=*/true);
  if (!job) return absl::OkStatus();
  RETURN_IF_ERROR(job->Run());
  return CommitCompaction(*job);
}

}  // namespace cairn::storage
