// DeleteGroups: each empty group is deleted by its coordinator (tombstones
// for its offsets and its metadata); NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND
// otherwise.
#include "broker/gather.h"
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/delete_groups.h"

namespace cairn::broker {

void HandleDeleteGroups(ShardContext& shard, Request request, Respond respond) {
  kafka::DeleteGroupsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  using Result = kafka::DeleteGroupsResponse::DeletableGroupResult;
  auto gather = Gather<Result>::Create(
      decoded.groups_names.size(), [version, respond = std::move(respond)](std::vector<Result> results) mutable {
        kafka::DeleteGroupsResponse response;
        response.results = std::move(results);
        RespondWith(respond, response, version);
      });
  for (size_t i = 0; i < decoded.groups_names.size(); ++i) {
    const std::string group_id = decoded.groups_names[i];
    CallCoordinator<Result>(
        shard, group_id,
        [group_id](group::GroupCoordinator& coordinator, absl::AnyInvocable<void(Result) &&> reply) mutable {
          coordinator.DeleteGroup(group_id, [group_id, reply = std::move(reply)](int16_t error) mutable {
            Result result;
            result.group_id = group_id;
            result.error_code = error;
            std::move(reply)(std::move(result));
          });
        },
        [gather, i](Result result) { gather->Set(i, std::move(result)); });
  }
}

}  // namespace cairn::broker
