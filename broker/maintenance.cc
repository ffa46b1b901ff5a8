#include "broker/maintenance.h"

#include <chrono>

namespace cairn::broker {

Maintenance::Maintenance(io::Shard& shard, storage::LogManager& logs, const ServerConfig& config)
    : retention_timer_(shard), checkpoint_timer_(shard), logs_(logs), config_(config) {}

void Maintenance::Start() {
  ScheduleRetention();
  ScheduleCheckpoint();
}

void Maintenance::Stop() {
  retention_timer_.Cancel();
  checkpoint_timer_.Cancel();
}

void Maintenance::ScheduleRetention() {
  retention_timer_.ExpireAfter(std::chrono::milliseconds(config_.log_retention_check_interval_ms),
                               [this](absl::Status status) {
                                 if (!status.ok()) return;
                                 logs_.RunMaintenance();
                                 ScheduleRetention();
                               });
}

void Maintenance::ScheduleCheckpoint() {
  checkpoint_timer_.ExpireAfter(std::chrono::milliseconds(config_.log_flush_offset_checkpoint_interval_ms),
                                [this](absl::Status status) {
                                  if (!status.ok()) return;
                                  logs_.CheckpointRecoveryPoints();
                                  ScheduleCheckpoint();
                                });
}

}  // namespace cairn::broker
