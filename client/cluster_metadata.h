// What the client knows about the cluster: brokers, controller and, per topic,
// each partition's leader (from Metadata responses).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proto/kafka/generated/metadata.h"

namespace cairn::client {

struct BrokerMetadata {
  int32_t node_id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  bool operator==(const BrokerMetadata&) const = default;
};

struct PartitionMetadata {
  int32_t partition = 0;
  int16_t error_code = 0;
  int32_t leader = -1;  // -1: no leader right now
  int32_t leader_epoch = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  bool operator==(const PartitionMetadata&) const = default;
};

struct TopicMetadata {
  std::string name;
  int16_t error_code = 0;
  bool is_internal = false;
  std::vector<PartitionMetadata> partitions;  // sorted by partition id
  bool operator==(const TopicMetadata&) const = default;
};

struct ClusterMetadata {
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<BrokerMetadata> brokers;
  std::map<std::string, TopicMetadata> topics;  // only topics without a topic-level error

  const BrokerMetadata* FindBroker(int32_t node_id) const;
  const TopicMetadata* FindTopic(const std::string& name) const;
  // The leader of a partition, or -1 when unknown.
  int32_t LeaderOf(const std::string& topic, int32_t partition) const;

  // Folds a Metadata response in: brokers and controller are replaced; the
  // topics it names are replaced (a topic answered with an error is dropped,
  // so a deleted topic disappears); other topics stay as they were.
  void Apply(const kafka::MetadataResponse& response);
};

// The topics of a response, in the client's types (errors included).
std::vector<TopicMetadata> TopicsOf(const kafka::MetadataResponse& response);

}  // namespace cairn::client
