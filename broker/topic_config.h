// The Kafka topic configs Cairn supports: their types, validation, the broker
// default each falls back to, and how DescribeConfigs shows them.
//
//   key                            type    valid              broker default               effect today
//   cleanup.policy                 list    delete, compact    log.cleanup.policy           yes
//   retention.ms                   long    >= -1              log.retention.{ms,min,hours} yes
//   retention.bytes                long    >= -1              log.retention.bytes          yes
//   segment.bytes                  int     >= 14              log.segment.bytes            yes
//   segment.ms                     long    >= 1               log.roll.{ms,hours}          yes
//   max.message.bytes              int     >= 0               message.max.bytes            yes
//   delete.retention.ms            long    >= 0               log.cleaner.delete.retention.ms yes
//   min.cleanable.dirty.ratio      double  0..1               log.cleaner.min.cleanable.ratio yes
//   index.interval.bytes           int     >= 0               log.index.interval.bytes     yes
//   message.timestamp.type         string  CreateTime, LogAppendTime   CreateTime          TopicBrokerConfig
//   compression.type               string  producer, uncompressed, gzip, snappy, lz4, zstd
//                                                             producer                     stored only (*)
//   min.insync.replicas            int     >= 1               min.insync.replicas          TopicBrokerConfig
//   unclean.leader.election.enable bool    false only (**)    false                        none
//   flush.messages                 long    >= 1               log.flush.interval.messages  none (***)
//   flush.ms                       long    >= 0               log.flush.interval.ms        none (***)
//
// (*)   Cairn stores batches exactly as producers sent them and never
//       recompresses (DESIGN.md §3): every value is accepted and stored so that
//       tools setting it keep working, but the behaviour is always "producer".
// (**)  Unclean leader election does not exist yet; "true" is refused rather
//       than silently ignored.
// (***) Cairn always fsyncs before acknowledging, which satisfies any flush
//       policy; the keys are accepted for compatibility.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "broker/topic_store.h"
#include "common/server_config.h"
#include "storage/log_config.h"

namespace cairn::broker {

// Kafka's DescribeConfigs config_source values.
inline constexpr int8_t kConfigSourceTopic = 1;    // DYNAMIC_TOPIC_CONFIG
inline constexpr int8_t kConfigSourceDefault = 5;  // DEFAULT_CONFIG

// Kafka's DescribeConfigs (v3+) config_type values.
enum class TopicConfigType : int8_t { kBoolean = 1, kString = 2, kInt = 3, kLong = 5, kDouble = 6, kList = 7 };

// The supported keys, sorted.
const std::vector<std::string>& SupportedTopicConfigNames();
bool IsListTopicConfig(std::string_view key);

// One key: unknown → "Unknown topic config name: foo"; a bad value →
// "Invalid value abc for configuration retention.ms: Not a number of type
// LONG" (Kafka's wording). InvalidArgument with reason kInvalidConfig.
absl::Status ValidateTopicConfig(std::string_view key, std::string_view value);
// Every entry; the first failure in key order.
absl::Status ValidateTopicConfigs(const std::map<std::string, std::string>& configs);

// The value a key takes without an override, formatted as Kafka prints it;
// nullopt for an unsupported key.
std::optional<std::string> TopicConfigDefault(const ServerConfig& server, std::string_view key);

// The partition log settings of `topic`: the broker defaults
// (storage::LogConfigFromServer) with the topic's overrides applied. The
// overrides must have passed ValidateTopicConfigs.
storage::LogConfig EffectiveLogConfig(const ServerConfig& server, const TopicInfo& topic);

// Topic settings the broker (not storage) acts on.
struct TopicBrokerConfig {
  bool log_append_time = false;  // message.timestamp.type=LogAppendTime
  int32_t min_insync_replicas = 1;
  std::string compression_type = "producer";
};
TopicBrokerConfig EffectiveTopicBrokerConfig(const ServerConfig& server, const TopicInfo& topic);

// One DescribeConfigs entry.
struct ConfigEntry {
  std::string name;
  std::string value;     // formatted as Kafka prints it (numbers re-printed, lists joined by ',')
  int8_t source = kConfigSourceDefault;
  bool read_only = false;
  bool is_default = true;  // no override (the v0 field)
  bool sensitive = false;
  TopicConfigType type = TopicConfigType::kString;
  std::string documentation;

  bool operator==(const ConfigEntry&) const = default;
};

// Every supported key of `topic` in name order, or only those in `only_keys`
// (unsupported names among them are left out, as Kafka does).
std::vector<ConfigEntry> DescribeTopicConfigs(const ServerConfig& server, const TopicInfo& topic,
                                              const std::vector<std::string>* only_keys);

// Splits a list config's value as Kafka does: on ',', trimmed, empties dropped.
std::vector<std::string> SplitConfigList(std::string_view value);

}  // namespace cairn::broker
