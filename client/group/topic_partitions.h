// The consumer protocol's types under client/group's names (the codec itself
// is proto/kafka/consumer_protocol.h, shared with the coordinator), and the
// conversion between its grouped form and flat (topic, partition) lists.
#pragma once

#include <vector>

#include "common/topic_partition.h"
#include "proto/kafka/consumer_protocol.h"

namespace cairn::client::group {

using Subscription = kafka::ConsumerProtocolSubscription;
using Assignment = kafka::ConsumerProtocolAssignment;
using TopicPartitions = kafka::ConsumerProtocolTopicPartitions;

// Flattening between the grouped wire form and sorted (topic, partition)
// lists. Grouping emits topics in name order and partitions ascending.
std::vector<TopicPartition> Flatten(const std::vector<TopicPartitions>& grouped);
std::vector<TopicPartitions> GroupByTopic(const std::vector<TopicPartition>& partitions);

}  // namespace cairn::client::group
