// OffsetCommit: answered once the commit records are durable in the group's
// __consumer_offsets partition.
#include "broker/group_routing.h"
#include "proto/kafka/generated/offset_commit.h"

namespace cairn::broker {

void HandleOffsetCommit(ShardContext& shard, Request request, Respond respond) {
  ServeOnCoordinator<kafka::OffsetCommitRequest, kafka::OffsetCommitResponse>(
      shard, std::move(request), std::move(respond),
      [](group::GroupCoordinator& coordinator, const kafka::OffsetCommitRequest& decoded, int16_t,
         absl::AnyInvocable<void(kafka::OffsetCommitResponse) &&> reply) {
        coordinator.OffsetCommit(decoded, std::move(reply));
      });
}

}  // namespace cairn::broker
