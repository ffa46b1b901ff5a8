// The broker's own checks of topic commands, before they go to the
// controller: names, defaults and topic config keys and values (the broker
// owns those rules, broker/topic_config.h). The controller adds the
// cluster's checks (existing names and collisions, live brokers, caps).
// Errors carry an ErrorReason and a message worded like Kafka's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/topic_store.h"
#include "common/server_config.h"

namespace cairn::broker {

// A creation with its defaults resolved to `partitions` and `replicas`:
// kInvalidTopic (bad name, or a reserved one for a client topic),
// kInvalidPartitions (< 1), kInvalidReplicationFactor (< 1), kInvalidConfig.
absl::Status CheckTopicCreation(const TopicCreation& creation, int32_t partitions, int32_t replicas);

// The overrides `changes` turn `configs` into, all or none: kInvalidConfig
// (unknown key, bad value, APPEND/SUBTRACT on a non-list key) or
// kInvalidRequest (the same key twice, an unknown operation). APPEND and
// SUBTRACT start from the override, else the broker default.
absl::StatusOr<std::map<std::string, std::string>> ApplyConfigChanges(const ServerConfig& defaults,
                                                                      std::map<std::string, std::string> configs,
                                                                      const std::vector<ConfigChange>& changes);

}  // namespace cairn::broker
