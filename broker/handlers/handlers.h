// One function per Kafka API (broker/handlers/<api>.cc), all of the shape
// broker::Handler: decode the body, do the work (on other shards if the
// partitions live there), and answer through `respond` exactly once.
#pragma once

#include "broker/request.h"

namespace cairn::broker {

void HandleApiVersions(ShardContext& shard, Request request, Respond respond);
void HandleMetadata(ShardContext& shard, Request request, Respond respond);
void HandleProduce(ShardContext& shard, Request request, Respond respond);
void HandleFetch(ShardContext& shard, Request request, Respond respond);
void HandleListOffsets(ShardContext& shard, Request request, Respond respond);
void HandleCreateTopics(ShardContext& shard, Request request, Respond respond);
void HandleDeleteTopics(ShardContext& shard, Request request, Respond respond);
void HandleInitProducerId(ShardContext& shard, Request request, Respond respond);
void HandleDescribeConfigs(ShardContext& shard, Request request, Respond respond);
void HandleAlterConfigs(ShardContext& shard, Request request, Respond respond);
void HandleIncrementalAlterConfigs(ShardContext& shard, Request request, Respond respond);
void HandleCreatePartitions(ShardContext& shard, Request request, Respond respond);
void HandleOffsetForLeaderEpoch(ShardContext& shard, Request request, Respond respond);
// Consumer groups (DESIGN.md §7).
void HandleFindCoordinator(ShardContext& shard, Request request, Respond respond);
void HandleJoinGroup(ShardContext& shard, Request request, Respond respond);
void HandleSyncGroup(ShardContext& shard, Request request, Respond respond);
void HandleHeartbeat(ShardContext& shard, Request request, Respond respond);
void HandleLeaveGroup(ShardContext& shard, Request request, Respond respond);
void HandleOffsetCommit(ShardContext& shard, Request request, Respond respond);
void HandleOffsetFetch(ShardContext& shard, Request request, Respond respond);
void HandleDescribeGroups(ShardContext& shard, Request request, Respond respond);
void HandleListGroups(ShardContext& shard, Request request, Respond respond);
void HandleDeleteGroups(ShardContext& shard, Request request, Respond respond);
void HandleOffsetDelete(ShardContext& shard, Request request, Respond respond);

}  // namespace cairn::broker
