// Topic creation and deletion, from any shard: the work runs on shard 0,
// which holds the topic store (the metadata controller until the Raft
// controller takes over). Creation makes every partition's log on its owner
// shard first, then publishes the new topic image to all shards, then
// answers, so no request can see a topic whose logs do not exist yet.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "broker/shard_context.h"
#include "broker/topic_store.h"

namespace cairn::broker {

struct TopicCreation {
  std::string name;
  int32_t partitions = -1;          // -1: num.partitions
  int16_t replication_factor = -1;  // -1: default.replication.factor
  std::map<std::string, std::string> configs;
  // One of the broker's own topics (__consumer_offsets): reserved names are
  // allowed and the topic is marked internal.
  bool internal = false;
};

struct TopicCreationResult {
  absl::Status status;
  TopicInfo info;
};

void CreateTopics(ShardContext& from, std::vector<TopicCreation> topics, bool validate_only,
                  absl::AnyInvocable<void(std::vector<TopicCreationResult>) &&> done);

void DeleteTopics(ShardContext& from, std::vector<std::string> names,
                  absl::AnyInvocable<void(std::vector<absl::Status>) &&> done);

// Shard 0: sends the store's current image to every shard.
void PublishImage(ShardContext& controller);

// CreatePartitions and IncrementalAlterConfigs (topic_admin_configs.cc).

struct PartitionIncrease {
  std::string name;
  int32_t new_total = 0;
};

// Grows each topic to new_total partitions: validated by the store, the new
// partitions' logs made on their owners, then committed and published before
// `done` runs (so, as with CreateTopics, no request sees a partition without
// its log). One status per increase, errors as TopicStore::CreatePartitions.
void CreatePartitions(ShardContext& from, std::vector<PartitionIncrease> increases, bool validate_only,
                      absl::AnyInvocable<void(std::vector<absl::Status>) &&> done);

struct TopicConfigAlteration {
  std::string name;
  std::vector<ConfigChange> changes;
};

// Applies each topic's changes (all or none per topic, as
// TopicStore::IncrementalAlterConfigs), gives every partition log of the
// altered topics its new effective config, then publishes the image. One
// status per alteration.
void AlterTopicConfigs(ShardContext& from, std::vector<TopicConfigAlteration> alterations, bool validate_only,
                       absl::AnyInvocable<void(std::vector<absl::Status>) &&> done);

}  // namespace cairn::broker
