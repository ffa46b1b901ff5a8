// JoinGroup: run by the group's coordinator (broker/group/), which may park
// the request until the rebalance completes.
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/join_group.h"

namespace cairn::broker {

void HandleJoinGroup(ShardContext& shard, Request request, Respond respond) {
  auto decoded = std::make_unique<kafka::JoinGroupRequest>();
  if (!DecodeBody(request, decoded.get(), respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded->group_id;
  group::ClientInfo client{request.header.client_id.value_or(""), ClientHost(request.peer)};
  CallCoordinator<kafka::JoinGroupResponse>(
      shard, group_id,
      [decoded = std::move(decoded), version, client = std::move(client)](
          group::GroupCoordinator& coordinator, absl::AnyInvocable<void(kafka::JoinGroupResponse) &&> reply) mutable {
        coordinator.JoinGroup(*decoded, version, client, std::move(reply));
      },
      [version, respond = std::move(respond)](kafka::JoinGroupResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
