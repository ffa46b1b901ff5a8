// LeaveGroup: one member (v0-2) or a batch of members by member id or
// group instance id (v3+); the rest of the group rebalances.
#include "broker/group_routing.h"
#include "proto/kafka/generated/leave_group.h"

namespace cairn::broker {

void HandleLeaveGroup(ShardContext& shard, Request request, Respond respond) {
  ServeOnCoordinator<kafka::LeaveGroupRequest, kafka::LeaveGroupResponse>(
      shard, std::move(request), std::move(respond),
      [](group::GroupCoordinator& coordinator, const kafka::LeaveGroupRequest& decoded, int16_t version,
         absl::AnyInvocable<void(kafka::LeaveGroupResponse) &&> reply) {
        std::move(reply)(coordinator.LeaveGroup(decoded, version));
      });
}

}  // namespace cairn::broker
