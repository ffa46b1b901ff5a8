// DescribeGroups: each group from its own coordinator shard, answered in the
// order asked.
#include "broker/gather.h"
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/describe_groups.h"

namespace cairn::broker {

void HandleDescribeGroups(ShardContext& shard, Request request, Respond respond) {
  kafka::DescribeGroupsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  using Described = kafka::DescribeGroupsResponse::DescribedGroup;
  auto gather = Gather<Described>::Create(
      decoded.groups.size(), [version, respond = std::move(respond)](std::vector<Described> groups) mutable {
        kafka::DescribeGroupsResponse response;
        response.groups = std::move(groups);
        RespondWith(respond, response, version);
      });
  for (size_t i = 0; i < decoded.groups.size(); ++i) {
    const std::string group_id = decoded.groups[i];
    CallCoordinator<Described>(
        shard, group_id,
        [group_id](group::GroupCoordinator& coordinator, absl::AnyInvocable<void(Described) &&> reply) mutable {
          std::move(reply)(coordinator.DescribeGroup(group_id));
        },
        [gather, i](Described described) { gather->Set(i, std::move(described)); });
  }
}

}  // namespace cairn::broker
