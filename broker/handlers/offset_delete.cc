// OffsetDelete: removes committed offsets of partitions the group no longer
// consumes (GROUP_SUBSCRIBED_TO_TOPIC for those an active group still does).
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/offset_delete.h"

namespace cairn::broker {

void HandleOffsetDelete(ShardContext& shard, Request request, Respond respond) {
  auto decoded = std::make_unique<kafka::OffsetDeleteRequest>();
  if (!DecodeBody(request, decoded.get(), respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded->group_id;
  CallCoordinator<kafka::OffsetDeleteResponse>(
      shard, group_id,
      [decoded = std::move(decoded)](group::GroupCoordinator& coordinator,
                                     absl::AnyInvocable<void(kafka::OffsetDeleteResponse) &&> reply) mutable {
        coordinator.OffsetDelete(*decoded, std::move(reply));
      },
      [version, respond = std::move(respond)](kafka::OffsetDeleteResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
