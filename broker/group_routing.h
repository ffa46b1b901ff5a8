// Group requests run on the shard that coordinates the group: the owner of
// the group's __consumer_offsets partition (DESIGN.md §7). CallCoordinator
// takes the work there and the answer back, whichever shard the client
// connection lives on.
#pragma once

#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "broker/handlers/handler_util.h"
#include "broker/group/coordinator_partition.h"
#include "broker/group_service.h"
#include "broker/shard_context.h"

namespace cairn::broker {

inline int CoordinatorShardOf(const ShardContext& shard, const std::string& group_id) {
  const int32_t partition = group::CoordinatorPartitionFor(group_id, OffsetsTopicPartitions(shard));
  return shard.OwnerOf({kConsumerOffsetsTopic, partition});
}

template <typename T>
using CoordinatorWork = absl::AnyInvocable<void(group::GroupCoordinator&, absl::AnyInvocable<void(T) &&>) &&>;

// Runs `work` with the group's coordinator (its partition loaded first if it
// exists and was not yet), then `done` with the answer on this shard.
template <typename T>
void CallCoordinator(ShardContext& shard, const std::string& group_id, CoordinatorWork<T> work,
                     absl::AnyInvocable<void(T) &&> done) {
  shard.CallOnShard<T>(
      CoordinatorShardOf(shard, group_id),
      [group_id, work = std::move(work)](ShardContext& owner, absl::AnyInvocable<void(T) &&> reply) mutable {
        owner.groups().EnsureLoaded(group_id);
        std::move(work)(owner.groups().coordinator(), std::move(reply));
      },
      std::move(done));
}

// The whole of a handler for a request naming one group: decode it, run
// `work(coordinator, request, version, reply)` on the group's coordinator
// shard, and send what it replies, encoded at the request's version.
template <typename RequestT, typename ResponseT, typename Work>
void ServeOnCoordinator(ShardContext& shard, Request request, Respond respond, Work work) {
  auto decoded = std::make_unique<RequestT>();
  if (!DecodeBody(request, decoded.get(), respond)) return;
  const int16_t version = request.version();
  const std::string group_id = decoded->group_id;
  CallCoordinator<ResponseT>(
      shard, group_id,
      [decoded = std::move(decoded), version, work = std::move(work)](
          group::GroupCoordinator& coordinator, absl::AnyInvocable<void(ResponseT) &&> reply) mutable {
        work(coordinator, *decoded, version, std::move(reply));
      },
      [version, respond = std::move(respond)](ResponseT response) mutable {
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
