// Validation of a node's Raft configuration.
#include "controller/raft/config.h"

namespace cairn::raft {

absl::Status Config::Validate() const {
  if (id == kNoNode) return absl::InvalidArgumentError("raft config: node id not set");
  if (storage == nullptr) return absl::InvalidArgumentError("raft config: no storage");
  if (heartbeat_tick <= 0) return absl::InvalidArgumentError("raft config: heartbeat_tick must be positive");
  if (election_tick <= heartbeat_tick) {
    return absl::InvalidArgumentError("raft config: election_tick must exceed heartbeat_tick");
  }
  if (max_inflight_appends == 0) {
    return absl::InvalidArgumentError("raft config: max_inflight_appends must be positive");
  }
  return absl::OkStatus();
}

}  // namespace cairn::raft
