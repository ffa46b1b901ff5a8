// OffsetFetch: a group's committed offsets (all of them when topics is null,
// v2+); -1 for partitions without a commit.
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/offset_fetch.h"

namespace cairn::broker {

void HandleOffsetFetch(ShardContext& shard, Request request, Respond respond) {
  kafka::OffsetFetchRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded.group_id;
  CallCoordinator<kafka::OffsetFetchResponse>(
      shard, group_id,
      [decoded = std::move(decoded), version](group::GroupCoordinator& coordinator,
                                              absl::AnyInvocable<void(kafka::OffsetFetchResponse) &&> reply) mutable {
        std::move(reply)(coordinator.OffsetFetch(decoded, version));
      },
      [version, respond = std::move(respond)](kafka::OffsetFetchResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
