// OffsetFetch: a group's committed offsets (all of them when topics is null,
// v2+); -1 for partitions without a commit.
#include "broker/group_routing.h"
#include "proto/kafka/generated/offset_fetch.h"

namespace cairn::broker {

void HandleOffsetFetch(ShardContext& shard, Request request, Respond respond) {
  ServeOnCoordinator<kafka::OffsetFetchRequest, kafka::OffsetFetchResponse>(
      shard, std::move(request), std::move(respond),
      [](group::GroupCoordinator& coordinator, const kafka::OffsetFetchRequest& decoded, int16_t version,
         absl::AnyInvocable<void(kafka::OffsetFetchResponse) &&> reply) {
        std::move(reply)(coordinator.OffsetFetch(decoded, version));
      });
}

}  // namespace cairn::broker
