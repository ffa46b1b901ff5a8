// Log compaction (cleanup.policy=compact): keep the newest record per key,
// drop tombstones older than delete.retention.ms, never reorder or renumber
// offsets. The heavy part, Run(), reads the closed segments and writes
// cleaned copies off the owner thread; the owner swaps them in afterwards
// (PartitionLog::CommitCompaction), so appends never wait for the cleaner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "io/file.h"
#include "storage/log_config.h"
#include "storage/segment.h"

namespace cairn::storage {

struct CompactionStats {
  int64_t records_read = 0;
  int64_t records_kept = 0;
  int64_t tombstones_dropped = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
};

class CompactionJob {
 public:
  CompactionJob(io::FileSystem* fs, std::string dir, LogConfig config, int64_t now_ms,
                std::vector<std::shared_ptr<Segment>> inputs);

  // Blocking; safe on any thread while the owner appends (the inputs are
  // closed segments, which nobody writes). Writes <base>.log.cleaned files.
  absl::Status Run();
  const CompactionStats& stats() const { return stats_; }

 private:
  friend class PartitionLog;
  struct Output {
    std::shared_ptr<Segment> input;
    bool changed = false;
    bool empty = false;
    std::string cleaned_path;
  };

  absl::Status BuildKeyMap();
  absl::Status CleanSegment(Output& output);

  io::FileSystem* fs_;
  std::string dir_;
  LogConfig config_;
  int64_t now_ms_;
  std::vector<Output> outputs_;
  bool ran_ = false;
  // key -> offset of its newest record among the inputs.
  struct KeyMap;
  std::shared_ptr<KeyMap> latest_;
  // producer id -> base offset of its last batch among the inputs; that batch
  // is kept (possibly empty) so producer state survives cleaning, as in Kafka.
  struct ProducerMap;
  std::shared_ptr<ProducerMap> last_producer_batch_;
  CompactionStats stats_;
};

}  // namespace cairn::storage
