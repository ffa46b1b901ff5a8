// LeaveGroup: one member (v0-2) or a batch of members by member id or
// group instance id (v3+); the rest of the group rebalances.
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/leave_group.h"

namespace cairn::broker {

void HandleLeaveGroup(ShardContext& shard, Request request, Respond respond) {
  kafka::LeaveGroupRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded.group_id;
  CallCoordinator<kafka::LeaveGroupResponse>(
      shard, group_id,
      [decoded = std::move(decoded), version](group::GroupCoordinator& coordinator,
                                              absl::AnyInvocable<void(kafka::LeaveGroupResponse) &&> reply) mutable {
        std::move(reply)(coordinator.LeaveGroup(decoded, version));
      },
      [version, respond = std::move(respond)](kafka::LeaveGroupResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
