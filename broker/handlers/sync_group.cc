// SyncGroup: the leader hands in the assignment; every member gets its part
// once the group's record is durable.
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/sync_group.h"

namespace cairn::broker {

void HandleSyncGroup(ShardContext& shard, Request request, Respond respond) {
  auto decoded = std::make_unique<kafka::SyncGroupRequest>();
  if (!DecodeBody(request, decoded.get(), respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded->group_id;
  CallCoordinator<kafka::SyncGroupResponse>(
      shard, group_id,
      [decoded = std::move(decoded), version](group::GroupCoordinator& coordinator,
                                              absl::AnyInvocable<void(kafka::SyncGroupResponse) &&> reply) mutable {
        coordinator.SyncGroup(*decoded, version, std::move(reply));
      },
      [version, respond = std::move(respond)](kafka::SyncGroupResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
