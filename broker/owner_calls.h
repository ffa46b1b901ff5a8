// The fan-out every partition-level handler does: run one job per partition
// on the shard that owns it, and collect the answers back here, in the order
// the jobs were given, before answering the client.
#pragma once

#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "broker/gather.h"
#include "broker/shard_context.h"
#include "common/topic_partition.h"

namespace cairn::broker {

template <typename Outcome>
using OwnerReply = absl::AnyInvocable<void(Outcome) &&>;

// A job for a partition's owner shard: it gets that shard's context and
// answers exactly once through the reply.
template <typename Outcome>
using OwnerJob = absl::AnyInvocable<void(ShardContext&, OwnerReply<Outcome>) &&>;

template <typename Outcome>
void GatherFromOwners(ShardContext& shard, std::vector<std::pair<TopicPartition, OwnerJob<Outcome>>> jobs,
                      typename Gather<Outcome>::Done done) {
  auto gather = Gather<Outcome>::Create(jobs.size(), std::move(done));
  for (size_t i = 0; i < jobs.size(); ++i) {
    shard.CallOnShard<Outcome>(shard.OwnerOf(jobs[i].first), std::move(jobs[i].second),
                               [gather, i](Outcome outcome) { gather->Set(i, std::move(outcome)); });
  }
}

}  // namespace cairn::broker
