// Topic commands from any shard: each runs on shard 0, where the TopicStore
// submits it to the controller, and answers once the result is published to
// every shard (MetadataPublisher makes the logs first), so no request can see
// a topic or partition whose log does not exist yet.
#pragma once

#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "broker/shard_context.h"
#include "broker/topic_store.h"

namespace cairn::broker {

struct TopicCreationResult {
  absl::Status status;
  TopicInfo info;
};

void CreateTopics(ShardContext& from, std::vector<TopicCreation> topics, bool validate_only,
                  absl::AnyInvocable<void(std::vector<TopicCreationResult>) &&> done);

void DeleteTopics(ShardContext& from, std::vector<std::string> names,
                  absl::AnyInvocable<void(std::vector<absl::Status>) &&> done);

struct PartitionIncrease {
  std::string name;
  int32_t new_total = 0;
};

// Grows each topic to new_total partitions. One status per increase, errors
// as TopicStore::CreatePartitions.
void CreatePartitions(ShardContext& from, std::vector<PartitionIncrease> increases, bool validate_only,
                      absl::AnyInvocable<void(std::vector<absl::Status>) &&> done);

struct TopicConfigAlteration {
  std::string name;
  std::vector<ConfigChange> changes;
  // Legacy AlterConfigs: the keys `changes` does not set return to their
  // defaults (IncrementalAlterConfigs leaves them as they are).
  bool replace = false;
};

// Applies each topic's changes (all or none per topic, as
// TopicStore::AlterConfigs). One status per alteration.
void AlterTopicConfigs(ShardContext& from, std::vector<TopicConfigAlteration> alterations, bool validate_only,
                       absl::AnyInvocable<void(std::vector<absl::Status>) &&> done);

}  // namespace cairn::broker
