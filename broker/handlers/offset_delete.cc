// OffsetDelete: removes committed offsets of partitions the group no longer
// consumes (GROUP_SUBSCRIBED_TO_TOPIC for those an active group still does).
#include "broker/group_routing.h"
#include "proto/kafka/generated/offset_delete.h"

namespace cairn::broker {

void HandleOffsetDelete(ShardContext& shard, Request request, Respond respond) {
  ServeOnCoordinator<kafka::OffsetDeleteRequest, kafka::OffsetDeleteResponse>(
      shard, std::move(request), std::move(respond),
      [](group::GroupCoordinator& coordinator, const kafka::OffsetDeleteRequest& decoded, int16_t,
         absl::AnyInvocable<void(kafka::OffsetDeleteResponse) &&> reply) {
        coordinator.OffsetDelete(decoded, std::move(reply));
      });
}

}  // namespace cairn::broker
