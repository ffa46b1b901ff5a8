#include "broker/api_table.h"

#include "broker/handlers/handlers.h"

namespace cairn::broker {
namespace {

using kafka::ApiKey;

constexpr ApiEntry kApiTable[] = {
    {ApiKey::kProduce, "Produce", 3, 9, HandleProduce},
    {ApiKey::kFetch, "Fetch", 4, 12, HandleFetch},
    {ApiKey::kListOffsets, "ListOffsets", 0, 6, HandleListOffsets},
    {ApiKey::kMetadata, "Metadata", 0, 9, HandleMetadata},
    {ApiKey::kApiVersions, "ApiVersions", 0, 3, HandleApiVersions},
    {ApiKey::kCreateTopics, "CreateTopics", 0, 5, HandleCreateTopics},
    {ApiKey::kDeleteTopics, "DeleteTopics", 0, 4, HandleDeleteTopics},
    {ApiKey::kInitProducerId, "InitProducerId", 0, 2, HandleInitProducerId},
    {ApiKey::kDescribeConfigs, "DescribeConfigs", 0, 4, HandleDescribeConfigs},
    {ApiKey::kAlterConfigs, "AlterConfigs", 0, 2, HandleAlterConfigs},
    {ApiKey::kIncrementalAlterConfigs, "IncrementalAlterConfigs", 0, 1, HandleIncrementalAlterConfigs},
    {ApiKey::kCreatePartitions, "CreatePartitions", 0, 2, HandleCreatePartitions},
    {ApiKey::kOffsetForLeaderEpoch, "OffsetForLeaderEpoch", 0, 4, HandleOffsetForLeaderEpoch},
    {ApiKey::kOffsetCommit, "OffsetCommit", 2, 8, HandleOffsetCommit},
    {ApiKey::kOffsetFetch, "OffsetFetch", 1, 6, HandleOffsetFetch},
    {ApiKey::kFindCoordinator, "FindCoordinator", 0, 3, HandleFindCoordinator},
    {ApiKey::kJoinGroup, "JoinGroup", 0, 6, HandleJoinGroup},
    {ApiKey::kHeartbeat, "Heartbeat", 0, 4, HandleHeartbeat},
    {ApiKey::kLeaveGroup, "LeaveGroup", 0, 4, HandleLeaveGroup},
    {ApiKey::kSyncGroup, "SyncGroup", 0, 4, HandleSyncGroup},
    {ApiKey::kDescribeGroups, "DescribeGroups", 0, 5, HandleDescribeGroups},
    {ApiKey::kListGroups, "ListGroups", 0, 3, HandleListGroups},
    {ApiKey::kDeleteGroups, "DeleteGroups", 0, 2, HandleDeleteGroups},
    {ApiKey::kOffsetDelete, "OffsetDelete", 0, 0, HandleOffsetDelete},
};

}  // namespace

std::span<const ApiEntry> AdvertisedApis() { return kApiTable; }

const ApiEntry* FindApiEntry(int16_t api_key) {
  for (const ApiEntry& entry : kApiTable) {
    if (static_cast<int16_t>(entry.key) == api_key) return &entry;
  }
  return nullptr;
}

}  // namespace cairn::broker
