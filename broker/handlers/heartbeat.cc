// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it
// to rejoin.
#include "broker/group_routing.h"
#include "proto/kafka/generated/heartbeat.h"

namespace cairn::broker {

void HandleHeartbeat(ShardContext& shard, Request request, Respond respond) {
  ServeOnCoordinator<kafka::HeartbeatRequest, kafka::HeartbeatResponse>(
      shard, std::move(request), std::move(respond),
      [](group::GroupCoordinator& coordinator, const kafka::HeartbeatRequest& decoded, int16_t,
         absl::AnyInvocable<void(kafka::HeartbeatResponse) &&> reply) {
        std::move(reply)(coordinator.Heartbeat(decoded));
      });
}

}  // namespace cairn::broker
