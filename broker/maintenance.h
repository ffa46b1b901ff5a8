// Periodic storage housekeeping for one shard's partitions: retention and
// compaction every log.retention.check.interval.ms, recovery-point
// checkpoints every log.flush.offset.checkpoint.interval.ms.
#pragma once

#include "common/server_config.h"
#include "io/shard.h"
#include "io/timer.h"
#include "storage/log_manager.h"

namespace cairn::broker {

class Maintenance {
 public:
  Maintenance(io::Shard& shard, storage::LogManager& logs, const ServerConfig& config);
  void Start();  // on the shard
  void Stop();   // on the shard

 private:
  void ScheduleRetention();
  void ScheduleCheckpoint();

  io::Timer retention_timer_;
  io::Timer checkpoint_timer_;
  storage::LogManager& logs_;
  const ServerConfig& config_;
};

}  // namespace cairn::broker
