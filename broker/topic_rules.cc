// The broker's rules for topic commands (topic_rules.h).
#include "broker/topic_rules.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/topic_config.h"
#include "common/error_reason.h"
#include "common/topic_partition.h"

namespace cairn::broker {

namespace {

absl::Status Invalid(ErrorReason reason, std::string message) {
  return WithReason(absl::InvalidArgumentError(std::move(message)), reason);
}

}  // namespace

absl::Status CheckTopicCreation(const TopicCreation& creation, int32_t partitions, int32_t replicas) {
  if (absl::Status valid = ValidateTopicName(creation.name); !valid.ok()) {
    return WithReason(valid, ErrorReason::kInvalidTopic);
  }
  if (!creation.internal && IsReservedTopicName(creation.name)) {
    return Invalid(ErrorReason::kInvalidTopic,
                   absl::StrCat("Topic name '", creation.name, "' is reserved for the broker's internal topics."));
  }
  if (partitions < 1) {
    return Invalid(ErrorReason::kInvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
  }
  if (replicas < 1) {
    return Invalid(ErrorReason::kInvalidReplicationFactor,
                   "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  return ValidateTopicConfigs(creation.configs);
}

absl::StatusOr<std::map<std::string, std::string>> ApplyConfigChanges(const ServerConfig& defaults,
                                                                      std::map<std::string, std::string> configs,
                                                                      const std::vector<ConfigChange>& changes) {
  std::set<std::string> seen;
  for (const ConfigChange& change : changes) {
    if (!seen.insert(change.key).second) {
      return Invalid(ErrorReason::kInvalidRequest, "Error due to duplicate config keys");
    }
  }
  for (const ConfigChange& change : changes) {
    std::optional<std::string> fallback = TopicConfigDefault(defaults, change.key);
    if (!fallback) {
      return Invalid(ErrorReason::kInvalidConfig, absl::StrCat("Unknown topic config name: ", change.key));
    }
    switch (change.op) {
      case ConfigChange::Op::kSet:
        if (absl::Status valid = ValidateTopicConfig(change.key, change.value); !valid.ok()) return valid;
        configs[change.key] = change.value;
        break;
      case ConfigChange::Op::kDelete:
        configs.erase(change.key);
        break;
      case ConfigChange::Op::kAppend:
      case ConfigChange::Op::kSubtract: {
        const bool append = change.op == ConfigChange::Op::kAppend;
        if (!IsListTopicConfig(change.key)) {
          return Invalid(ErrorReason::kInvalidConfig,
                         absl::StrCat("Config value ", append ? "append" : "subtract",
                                      " is not allowed for config key: ", change.key));
        }
        auto it = configs.find(change.key);
        std::vector<std::string> items = SplitConfigList(it != configs.end() ? it->second : *fallback);
        for (const std::string& item : SplitConfigList(change.value)) {
          auto found = std::find(items.begin(), items.end(), item);
          if (append && found == items.end()) items.push_back(item);
          if (!append && found != items.end()) items.erase(found);
        }
        const std::string value = absl::StrJoin(items, ",");
        if (absl::Status valid = ValidateTopicConfig(change.key, value); !valid.ok()) return valid;
        configs[change.key] = value;
        break;
      }
      default:
        return Invalid(ErrorReason::kInvalidRequest,
                       absl::StrCat("Unknown config operation ", static_cast<int>(change.op), " for ", change.key));
    }
  }
  return configs;
}

}  // namespace cairn::broker
