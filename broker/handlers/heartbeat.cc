// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it
// to rejoin.
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/heartbeat.h"

namespace cairn::broker {

void HandleHeartbeat(ShardContext& shard, Request request, Respond respond) {
  kafka::HeartbeatRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded.group_id;
  CallCoordinator<kafka::HeartbeatResponse>(
      shard, group_id,
      [decoded = std::move(decoded)](group::GroupCoordinator& coordinator,
                                     absl::AnyInvocable<void(kafka::HeartbeatResponse) &&> reply) mutable {
        std::move(reply)(coordinator.Heartbeat(decoded));
      },
      [version, respond = std::move(respond)](kafka::HeartbeatResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
