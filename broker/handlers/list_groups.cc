// ListGroups: every shard's groups, sorted by id.
#include <algorithm>

#include "broker/gather.h"
#include "broker/group_service.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "proto/kafka/generated/list_groups.h"

namespace cairn::broker {

void HandleListGroups(ShardContext& shard, Request request, Respond respond) {
  kafka::ListGroupsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  using Listed = std::vector<kafka::ListGroupsResponse::ListedGroup>;
  auto gather = Gather<Listed>::Create(
      static_cast<size_t>(shard.shard_count()), [version, respond = std::move(respond)](std::vector<Listed> all) mutable {
        kafka::ListGroupsResponse response;
        for (Listed& listed : all) {
          for (auto& group : listed) response.groups.push_back(std::move(group));
        }
        std::sort(response.groups.begin(), response.groups.end(),
                  [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
        RespondWith(respond, response, version);
      });
  for (int target = 0; target < shard.shard_count(); ++target) {
    shard.CallOnShard<Listed>(
        target,
        [](ShardContext& owner, absl::AnyInvocable<void(Listed) &&> reply) {
          std::move(reply)(owner.groups().coordinator().ListGroups());
        },
        [gather, target](Listed listed) { gather->Set(static_cast<size_t>(target), std::move(listed)); });
  }
}

}  // namespace cairn::broker
