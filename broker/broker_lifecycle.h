// This broker's membership in the cluster (DESIGN.md §5): it registers with
// the active controller (advertised endpoints, a fresh incarnation id), gets
// a broker epoch, and heartbeats every broker.heartbeat.interval.ms. A
// broker the controller has fenced (silent for broker.session.timeout.ms) or
// forgotten is told so by its next heartbeat and registers again, which
// unfences it. Shard 0 only.
#pragma once

#include <cstdint>
#include <string>

#include "absl/functional/any_invocable.h"
#include "common/server_config.h"
#include "controller/metadata_controller.h"
#include "io/timer.h"

namespace cairn::broker {

class BrokerLifecycle {
 public:
  // `max_partitions`: the replicas this broker can host (partition_capacity.h).
  BrokerLifecycle(io::Shard& shard, controller::MetadataController& controller, const ServerConfig& config,
                  uint32_t max_partitions);
  ~BrokerLifecycle();

  // Registers (retrying until the controller accepts), then heartbeats.
  // `registered` runs once, after the first registration.
  void Start(absl::AnyInvocable<void() &&> registered);

  // The epoch of the current registration (0 before the first).
  int64_t epoch() const { return epoch_; }

 private:
  void Register();
  void Heartbeat();
  void After(int32_t ms, void (BrokerLifecycle::*next)());

  controller::MetadataController& controller_;
  const ServerConfig& config_;
  const std::string incarnation_id_;
  const uint32_t max_partitions_;
  io::Timer timer_;
  int64_t epoch_ = 0;
  absl::AnyInvocable<void() &&> registered_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::broker
