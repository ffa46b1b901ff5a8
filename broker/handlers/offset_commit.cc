// OffsetCommit: answered once the commit records are durable in the group's
// __consumer_offsets partition.
#include "broker/group_routing.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/offset_commit.h"

namespace cairn::broker {

void HandleOffsetCommit(ShardContext& shard, Request request, Respond respond) {
  auto decoded = std::make_unique<kafka::OffsetCommitRequest>();
  if (!DecodeBody(request, decoded.get(), respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded->group_id;
  CallCoordinator<kafka::OffsetCommitResponse>(
      shard, group_id,
      [decoded = std::move(decoded)](group::GroupCoordinator& coordinator,
                                     absl::AnyInvocable<void(kafka::OffsetCommitResponse) &&> reply) mutable {
        coordinator.OffsetCommit(*decoded, std::move(reply));
      },
      [version, respond = std::move(respond)](kafka::OffsetCommitResponse response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
