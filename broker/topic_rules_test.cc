// The broker's checks of topic commands, with their ErrorReasons and
// Kafka-worded messages (the cluster's checks are the controller's, tested in
// controller/metadata; the whole path runs in tests/compat against cairnd).
#include "broker/topic_rules.h"

#include <doctest/doctest.h>

#include "common/error_reason.h"

namespace cairn::broker {
namespace {

using Op = ConfigChange::Op;
using Configs = std::map<std::string, std::string>;

ServerConfig Defaults() {
  absl::StatusOr<Config> config = ServerConfigDef().Parse("", {});
  REQUIRE(config.ok());
  absl::StatusOr<ServerConfig> server = ServerConfig::FromConfig(*config);
  REQUIRE(server.ok());
  return *server;
}

void CheckError(const absl::Status& status, ErrorReason reason, const std::string& message) {
  REQUIRE_FALSE(status.ok());
  CHECK(GetReason(status) == reason);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(status.message()) == message);
}

TEST_CASE("TopicRules: invalid and reserved names are kInvalidTopic, other '__' names are client topics") {
  CheckError(CheckTopicCreation({"bad name"}, 1, 1), ErrorReason::kInvalidTopic,
             "topic name 'bad name' may contain only ASCII letters, digits, '.', '_' and '-'");
  CheckError(CheckTopicCreation({""}, 1, 1), ErrorReason::kInvalidTopic, "topic name is empty");
  CheckError(CheckTopicCreation({"__consumer_offsets"}, 1, 1), ErrorReason::kInvalidTopic,
             "Topic name '__consumer_offsets' is reserved for the broker's internal topics.");
  CHECK(GetReason(CheckTopicCreation({"__transaction_state"}, 1, 1)) == ErrorReason::kInvalidTopic);
  CHECK(CheckTopicCreation({"__debezium-heartbeat.inventory"}, 1, 1).ok());
  TopicCreation internal{"__consumer_offsets"};
  internal.internal = true;
  CHECK(CheckTopicCreation(internal, 50, 1).ok());
}

TEST_CASE("TopicRules: partitions and replicas below 1, and bad configs, are refused") {
  for (int32_t partitions : {0, -2}) {
    CheckError(CheckTopicCreation({"t"}, partitions, 1), ErrorReason::kInvalidPartitions,
               "Number of partitions was set to an invalid non-positive value.");
  }
  for (int32_t replicas : {0, -2}) {
    CheckError(CheckTopicCreation({"t"}, 1, replicas), ErrorReason::kInvalidReplicationFactor,
               "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  TopicCreation unknown{"t"};
  unknown.configs = {{"retention.msx", "1"}};
  CheckError(CheckTopicCreation(unknown, 1, 1), ErrorReason::kInvalidConfig, "Unknown topic config name: retention.msx");
  TopicCreation bad{"t"};
  bad.configs = {{"retention.ms", "soon"}};
  CheckError(CheckTopicCreation(bad, 1, 1), ErrorReason::kInvalidConfig,
             "Invalid value soon for configuration retention.ms: Not a number of type LONG");
  TopicCreation good{"t"};
  good.configs = {{"cleanup.policy", "compact"}, {"retention.ms", "60000"}};
  CHECK(CheckTopicCreation(good, 3, 1).ok());
}

TEST_CASE("TopicRules: config changes set, delete, append and subtract") {
  const ServerConfig defaults = Defaults();
  auto changed = ApplyConfigChanges(defaults, {{"retention.ms", "1000"}, {"segment.bytes", "1048576"}},
                                    {{"retention.ms", Op::kSet, "2000"},
                                     {"segment.bytes", Op::kDelete, ""},
                                     {"cleanup.policy", Op::kAppend, "compact"}});
  REQUIRE(changed.ok());
  // APPEND started from the default "delete".
  CHECK(*changed == Configs{{"cleanup.policy", "delete,compact"}, {"retention.ms", "2000"}});
  changed = ApplyConfigChanges(defaults, *changed, {{"cleanup.policy", Op::kSubtract, "delete"}});
  REQUIRE(changed.ok());
  CHECK(changed->at("cleanup.policy") == "compact");
  // Appending what is there, or deleting what is absent, changes nothing.
  auto same = ApplyConfigChanges(defaults, *changed, {{"cleanup.policy", Op::kAppend, "compact"}, {"flush.ms", Op::kDelete, ""}});
  REQUIRE(same.ok());
  CHECK(*same == *changed);
}

TEST_CASE("TopicRules: any bad change refuses them all, with Kafka's words") {
  const ServerConfig defaults = Defaults();
  const Configs before{{"retention.ms", "1000"}};
  auto refused = [&](std::vector<ConfigChange> changes) { return ApplyConfigChanges(defaults, before, changes).status(); };
  CheckError(refused({{"retention.ms", Op::kSet, "5"}, {"retention.bytes", Op::kSet, "-7"}}), ErrorReason::kInvalidConfig,
             "Invalid value -7 for configuration retention.bytes: Value must be at least -1");
  CheckError(refused({{"retention.mss", Op::kDelete, ""}}), ErrorReason::kInvalidConfig,
             "Unknown topic config name: retention.mss");
  CheckError(refused({{"retention.ms", Op::kAppend, "5"}}), ErrorReason::kInvalidConfig,
             "Config value append is not allowed for config key: retention.ms");
  CheckError(refused({{"retention.ms", Op::kSubtract, "5"}}), ErrorReason::kInvalidConfig,
             "Config value subtract is not allowed for config key: retention.ms");
  CheckError(refused({{"cleanup.policy", Op::kSubtract, "delete"}}), ErrorReason::kInvalidConfig,
             "Invalid value  for configuration cleanup.policy: Empty list; name at least one of: delete, compact");
  CheckError(refused({{"retention.ms", Op::kSet, "5"}, {"retention.ms", Op::kDelete, ""}}), ErrorReason::kInvalidRequest,
             "Error due to duplicate config keys");
  CheckError(refused({{"retention.ms", static_cast<Op>(9), "5"}}), ErrorReason::kInvalidRequest,
             "Unknown config operation 9 for retention.ms");
}

}  // namespace
}  // namespace cairn::broker
