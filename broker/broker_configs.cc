// The table of broker keys DescribeConfigs shows and how each is printed.
#include "broker/broker_configs.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/check.h"

namespace cairn::broker {
namespace {

struct BrokerKey {
  std::string_view name;
  TopicConfigType type;
  std::string_view documentation;
  std::string (*value)(const ServerConfig&);
};

constexpr int64_t kMillisPerHour = 3'600'000;

std::string CleanupPolicy(const ServerConfig& s) {
  if (s.log_cleanup_policy_compact && s.log_cleanup_policy_delete) return "compact,delete";
  return s.log_cleanup_policy_compact ? "compact" : "delete";
}

// log.retention.hours as Kafka derives it from the effective retention:
// whole hours (rounded down), -1 when retention is infinite.
std::string RetentionHours(const ServerConfig& s) {
  return absl::StrCat(s.log_retention_ms < 0 ? -1 : s.log_retention_ms / kMillisPerHour);
}

// Sorted by name.
const std::vector<BrokerKey>& Keys() {
  using T = TopicConfigType;
  static const auto* keys = new std::vector<BrokerKey>{
      {"auto.create.topics.enable", T::kBoolean, "Create a topic when a client asks for its metadata.",
       [](const ServerConfig& s) { return std::string(s.auto_create_topics_enable ? "true" : "false"); }},
      {"default.replication.factor", T::kInt, "Replication factor of an auto-created topic.",
       [](const ServerConfig& s) { return absl::StrCat(s.default_replication_factor); }},
      {"log.cleanup.policy", T::kList, "Default cleanup.policy of topics.", CleanupPolicy},
      {"log.dirs", T::kString, "Directories holding partition data.",
       [](const ServerConfig& s) { return absl::StrJoin(s.log_dirs, ","); }},
      {"log.retention.bytes", T::kLong, "Default size retention per partition; -1 is infinite.",
       [](const ServerConfig& s) { return absl::StrCat(s.log_retention_bytes); }},
      {"log.retention.hours", T::kInt, "Default time retention in hours; -1 is infinite.", RetentionHours},
      {"log.retention.ms", T::kLong, "Default time retention in ms (wins over the hours); -1 is infinite.",
       [](const ServerConfig& s) { return absl::StrCat(s.log_retention_ms); }},
      {"log.roll.ms", T::kLong, "Default age at which a segment rolls.",
       [](const ServerConfig& s) { return absl::StrCat(s.log_roll_ms); }},
      {"log.segment.bytes", T::kInt, "Default size at which a segment rolls.",
       [](const ServerConfig& s) { return absl::StrCat(s.log_segment_bytes); }},
      {"message.max.bytes", T::kInt, "Default largest record batch accepted, in bytes.",
       [](const ServerConfig& s) { return absl::StrCat(s.message_max_bytes); }},
      {"min.insync.replicas", T::kInt, "Default in-sync replicas an acks=all produce needs.",
       [](const ServerConfig& s) { return absl::StrCat(s.min_insync_replicas); }},
      {"node.id", T::kInt, "This node's id.", [](const ServerConfig& s) { return absl::StrCat(s.node_id.value()); }},
      {"num.partitions", T::kInt, "Partitions of an auto-created topic.",
       [](const ServerConfig& s) { return absl::StrCat(s.num_partitions); }},
  };
  return *keys;
}

// cairnd's configuration when nothing is given.
const ServerConfig& BuiltInDefaults() {
  static const auto* defaults = [] {
    absl::StatusOr<Config> parsed = ServerConfigDef().Parse("");
    CAIRN_CHECK(parsed.ok()) << parsed.status();
    absl::StatusOr<ServerConfig> server = ServerConfig::FromConfig(*parsed);
    CAIRN_CHECK(server.ok()) << server.status();
    return new ServerConfig(*std::move(server));
  }();
  return *defaults;
}

}  // namespace

std::vector<ConfigEntry> DescribeBrokerConfigs(const ServerConfig& server,
                                               const std::vector<std::string>* only_keys) {
  std::vector<ConfigEntry> entries;
  for (const BrokerKey& key : Keys()) {
    if (only_keys != nullptr && std::find(only_keys->begin(), only_keys->end(), key.name) == only_keys->end()) {
      continue;
    }
    ConfigEntry entry;
    entry.name = std::string(key.name);
    entry.value = key.value(server);
    entry.is_default = entry.value == key.value(BuiltInDefaults());
    entry.source = entry.is_default ? kConfigSourceDefault : kConfigSourceStaticBroker;
    entry.read_only = true;
    entry.type = key.type;
    entry.documentation = std::string(key.documentation);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace cairn::broker
