// JoinGroup: run by the group's coordinator (broker/group/), which may park
// the request until the rebalance completes.
#include "broker/group_routing.h"
#include "proto/kafka/generated/join_group.h"

namespace cairn::broker {

void HandleJoinGroup(ShardContext& shard, Request request, Respond respond) {
  group::ClientInfo client{request.header.client_id.value_or(""), ClientHost(request.peer)};
  ServeOnCoordinator<kafka::JoinGroupRequest, kafka::JoinGroupResponse>(
      shard, std::move(request), std::move(respond),
      [client = std::move(client)](group::GroupCoordinator& coordinator, const kafka::JoinGroupRequest& decoded,
                                   int16_t version, absl::AnyInvocable<void(kafka::JoinGroupResponse) &&> reply) {
        coordinator.JoinGroup(decoded, version, client, std::move(reply));
      });
}

}  // namespace cairn::broker
