// The Admin's public value types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/cluster_metadata.h"
#include "common/bytes.h"

namespace cairn::client {

struct NewTopic {
  std::string name;
  int32_t num_partitions = -1;      // -1: the broker's num.partitions
  int16_t replication_factor = -1;  // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;
};

struct TopicDescription {
  std::string name;
  bool is_internal = false;
  std::vector<PartitionMetadata> partitions;  // by partition id
};

// One topic config as DescribeConfigs reports it.
struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // nullopt for sensitive values
  bool read_only = false;
  bool is_default = false;  // the value comes from a default, not a topic override
  int8_t source = -1;       // Kafka's ConfigSource: 1 topic, 4 static broker, 5 default, ...
  bool is_sensitive = false;
};

// IncrementalAlterConfigs operations (KIP-339).
enum class AlterConfigOp : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };
struct ConfigChange {
  std::string name;
  AlterConfigOp op = AlterConfigOp::kSet;
  std::optional<std::string> value;  // ignored by kDelete
};

struct GroupListing {
  std::string group_id;
  std::string protocol_type;  // "consumer" for consumer groups
};

struct GroupMemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Buffer metadata;    // the member's protocol metadata (opaque to the broker)
  Buffer assignment;  // what the leader assigned it (opaque to the broker)
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // Kafka's names: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead
  std::string protocol_type;
  std::string protocol;  // the assignor chosen, e.g. "range"
  std::vector<GroupMemberDescription> members;
};

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // -1: none (no committed offset)
  bool operator==(const PartitionOffset&) const = default;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed_offset = -1;  // -1: the group has not committed here
  int64_t log_end_offset = -1;
  int64_t lag = -1;  // log_end_offset - committed_offset; -1 when nothing is committed
  bool operator==(const PartitionLag&) const = default;
};

// ListOffsets' special timestamps.
enum class OffsetSpec : int64_t { kLatest = -1, kEarliest = -2 };

}  // namespace cairn::client
