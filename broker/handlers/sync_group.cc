// SyncGroup: the leader hands in the assignment; every member gets its part
// once the group's record is durable.
#include "broker/group_routing.h"
#include "proto/kafka/generated/sync_group.h"

namespace cairn::broker {

void HandleSyncGroup(ShardContext& shard, Request request, Respond respond) {
  ServeOnCoordinator<kafka::SyncGroupRequest, kafka::SyncGroupResponse>(
      shard, std::move(request), std::move(respond),
      [](group::GroupCoordinator& coordinator, const kafka::SyncGroupRequest& decoded, int16_t version,
         absl::AnyInvocable<void(kafka::SyncGroupResponse) &&> reply) {
        coordinator.SyncGroup(decoded, version, std::move(reply));
      });
}

}  // namespace cairn::broker
