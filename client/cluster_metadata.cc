#include "client/cluster_metadata.h"

#include <algorithm>

namespace cairn::client {

const BrokerMetadata* ClusterMetadata::FindBroker(int32_t node_id) const {
  for (const BrokerMetadata& broker : brokers) {
    if (broker.node_id == node_id) return &broker;
  }
  return nullptr;
}

const TopicMetadata* ClusterMetadata::FindTopic(const std::string& name) const {
  auto it = topics.find(name);
  return it == topics.end() ? nullptr : &it->second;
}

int32_t ClusterMetadata::LeaderOf(const std::string& topic, int32_t partition) const {
  const TopicMetadata* t = FindTopic(topic);
  if (t == nullptr || partition < 0 || partition >= static_cast<int32_t>(t->partitions.size())) return -1;
  return t->partitions[partition].leader;
}

std::vector<TopicMetadata> TopicsOf(const kafka::MetadataResponse& response) {
  std::vector<TopicMetadata> out;
  for (const auto& topic : response.topics) {
    TopicMetadata t;
    t.name = topic.name;
    t.error_code = topic.error_code;
    t.is_internal = topic.is_internal;
    for (const auto& partition : topic.partitions) {
      t.partitions.push_back({partition.partition_index, partition.error_code, partition.leader_id,
                              partition.leader_epoch, partition.replica_nodes, partition.isr_nodes});
    }
    std::sort(t.partitions.begin(), t.partitions.end(),
              [](const PartitionMetadata& a, const PartitionMetadata& b) { return a.partition < b.partition; });
    out.push_back(std::move(t));
  }
  return out;
}

void ClusterMetadata::Apply(const kafka::MetadataResponse& response) {
  if (response.cluster_id.has_value()) cluster_id = response.cluster_id;
  controller_id = response.controller_id;
  brokers.clear();
  for (const auto& broker : response.brokers) {
    brokers.push_back({broker.node_id, broker.host, broker.port, broker.rack});
  }
  for (TopicMetadata& topic : TopicsOf(response)) {
    // Partition ids must be dense 0..n-1 for LeaderOf's indexing.
    bool dense = true;
    for (size_t i = 0; i < topic.partitions.size(); ++i) dense = dense && topic.partitions[i].partition == int32_t(i);
    if (topic.error_code != 0 || !dense || topic.partitions.empty()) {
      topics.erase(topic.name);
    } else {
      topics[topic.name] = std::move(topic);
    }
  }
}

}  // namespace cairn::client
