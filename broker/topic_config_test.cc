// Tests of the supported topic configs: validation with Kafka's messages,
// broker defaults, the effective log config and DescribeConfigs entries.
#include "broker/topic_config.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/error_reason.h"

namespace cairn::broker {
namespace {

ServerConfig Defaults(const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Config> config = ServerConfigDef().Parse("", overrides);
  REQUIRE(config.ok());
  absl::StatusOr<ServerConfig> server = ServerConfig::FromConfig(*config);
  REQUIRE(server.ok());
  return *server;
}

std::string ErrorOf(std::string_view key, std::string_view value) {
  absl::Status status = ValidateTopicConfig(key, value);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(GetReason(status) == ErrorReason::kInvalidConfig);
  return std::string(status.message());
}

TopicInfo Topic(std::map<std::string, std::string> configs) {
  TopicInfo topic;
  topic.name = "orders";
  topic.partitions = 1;
  topic.replication_factor = 1;
  topic.configs = std::move(configs);
  return topic;
}

TEST_CASE("TopicConfig: the supported keys, sorted") {
  CHECK(SupportedTopicConfigNames() ==
        std::vector<std::string>{"cleanup.policy", "compression.type", "delete.retention.ms", "flush.messages",
                                 "flush.ms", "index.interval.bytes", "max.message.bytes", "message.timestamp.type",
                                 "min.cleanable.dirty.ratio", "min.insync.replicas", "retention.bytes",
                                 "retention.ms", "segment.bytes", "segment.ms", "unclean.leader.election.enable"});
  CHECK(IsListTopicConfig("cleanup.policy"));
  CHECK_FALSE(IsListTopicConfig("retention.ms"));
  CHECK_FALSE(IsListTopicConfig("nope"));
}

TEST_CASE("TopicConfig: an unknown key is kInvalidConfig naming it") {
  CHECK(ErrorOf("retention.hours", "1") == "Unknown topic config name: retention.hours");
}

TEST_CASE("TopicConfig: integer keys check their type and lower bound") {
  CHECK(ValidateTopicConfig("retention.ms", "-1").ok());
  CHECK(ValidateTopicConfig("retention.ms", " +100 ").ok());
  CHECK(ErrorOf("retention.ms", "-2") == "Invalid value -2 for configuration retention.ms: Value must be at least -1");
  CHECK(ErrorOf("retention.ms", "1.5") ==
        "Invalid value 1.5 for configuration retention.ms: Not a number of type LONG");
  CHECK(ErrorOf("retention.ms", "") == "Invalid value  for configuration retention.ms: Not a number of type LONG");
  CHECK(ErrorOf("retention.ms", "99999999999999999999") ==
        "Invalid value 99999999999999999999 for configuration retention.ms: Not a number of type LONG");
  CHECK(ErrorOf("retention.bytes", "-2") ==
        "Invalid value -2 for configuration retention.bytes: Value must be at least -1");
  CHECK(ValidateTopicConfig("segment.bytes", "14").ok());
  CHECK(ErrorOf("segment.bytes", "13") == "Invalid value 13 for configuration segment.bytes: Value must be at least 14");
  CHECK(ErrorOf("segment.bytes", "3000000000") ==
        "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT");
  CHECK(ErrorOf("segment.ms", "0") == "Invalid value 0 for configuration segment.ms: Value must be at least 1");
  CHECK(ValidateTopicConfig("max.message.bytes", "0").ok());
  CHECK(ErrorOf("max.message.bytes", "-1") ==
        "Invalid value -1 for configuration max.message.bytes: Value must be at least 0");
  CHECK(ErrorOf("delete.retention.ms", "-1") ==
        "Invalid value -1 for configuration delete.retention.ms: Value must be at least 0");
  CHECK(ErrorOf("index.interval.bytes", "-1") ==
        "Invalid value -1 for configuration index.interval.bytes: Value must be at least 0");
  CHECK(ErrorOf("min.insync.replicas", "0") ==
        "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1");
  CHECK(ErrorOf("flush.messages", "0") == "Invalid value 0 for configuration flush.messages: Value must be at least 1");
  CHECK(ValidateTopicConfig("flush.ms", "0").ok());
}

TEST_CASE("TopicConfig: min.cleanable.dirty.ratio is a double between 0 and 1") {
  CHECK(ValidateTopicConfig("min.cleanable.dirty.ratio", "0").ok());
  CHECK(ValidateTopicConfig("min.cleanable.dirty.ratio", "1").ok());
  CHECK(ValidateTopicConfig("min.cleanable.dirty.ratio", "5e-1").ok());
  CHECK(ErrorOf("min.cleanable.dirty.ratio", "1.5") ==
        "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1.0");
  CHECK(ErrorOf("min.cleanable.dirty.ratio", "-0.1") ==
        "Invalid value -0.1 for configuration min.cleanable.dirty.ratio: Value must be no less than 0.0");
  CHECK(ErrorOf("min.cleanable.dirty.ratio", "half") ==
        "Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE");
  CHECK(ErrorOf("min.cleanable.dirty.ratio", "nan") ==
        "Invalid value nan for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE");
}

TEST_CASE("TopicConfig: string and list keys accept only their values") {
  CHECK(ValidateTopicConfig("cleanup.policy", "compact").ok());
  CHECK(ValidateTopicConfig("cleanup.policy", " compact , delete ").ok());
  CHECK(ErrorOf("cleanup.policy", "compactt") ==
        "Invalid value compactt for configuration cleanup.policy: String must be one of: delete, compact");
  CHECK(ErrorOf("cleanup.policy", " , ") ==
        "Invalid value  ,  for configuration cleanup.policy: Empty list; name at least one of: delete, compact");
  CHECK(ValidateTopicConfig("message.timestamp.type", "LogAppendTime").ok());
  CHECK(ErrorOf("message.timestamp.type", "logappendtime") ==
        "Invalid value logappendtime for configuration message.timestamp.type: String must be one of: CreateTime, "
        "LogAppendTime");
  for (const char* codec : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}) {
    CHECK(ValidateTopicConfig("compression.type", codec).ok());
  }
  CHECK(ErrorOf("compression.type", "brotli") ==
        "Invalid value brotli for configuration compression.type: String must be one of: producer, uncompressed, "
        "gzip, snappy, lz4, zstd");
}

TEST_CASE("TopicConfig: unclean leader election can only be false") {
  CHECK(ValidateTopicConfig("unclean.leader.election.enable", "false").ok());
  CHECK(ValidateTopicConfig("unclean.leader.election.enable", "FALSE").ok());
  CHECK(ErrorOf("unclean.leader.election.enable", "true") ==
        "Invalid value true for configuration unclean.leader.election.enable: Cairn does not support unclean leader "
        "election");
  CHECK(ErrorOf("unclean.leader.election.enable", "yes") ==
        "Invalid value yes for configuration unclean.leader.election.enable: Expected value to be either true or false");
}

TEST_CASE("TopicConfig: ValidateTopicConfigs reports the first bad key in key order") {
  CHECK(ValidateTopicConfigs({}).ok());
  CHECK(ValidateTopicConfigs({{"retention.ms", "1"}, {"cleanup.policy", "compact"}}).ok());
  absl::Status status = ValidateTopicConfigs({{"segment.ms", "0"}, {"retention.ms", "x"}, {"zzz", "1"}});
  CHECK(GetReason(status) == ErrorReason::kInvalidConfig);
  CHECK(status.message() == "Invalid value x for configuration retention.ms: Not a number of type LONG");
}

TEST_CASE("TopicConfig: each key falls back to its broker default") {
  const ServerConfig server = Defaults();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"cleanup.policy", "delete"},
      {"compression.type", "producer"},
      {"delete.retention.ms", "86400000"},
      {"flush.messages", "9223372036854775807"},
      {"flush.ms", "9223372036854775807"},
      {"index.interval.bytes", "4096"},
      {"max.message.bytes", "1048588"},
      {"message.timestamp.type", "CreateTime"},
      {"min.cleanable.dirty.ratio", "0.5"},
      {"min.insync.replicas", "1"},
      {"retention.bytes", "-1"},
      {"retention.ms", "604800000"},
      {"segment.bytes", "1073741824"},
      {"segment.ms", "604800000"},
      {"unclean.leader.election.enable", "false"},
  };
  CHECK(expected.size() == SupportedTopicConfigNames().size());
  for (const auto& [key, value] : expected) {
    CAPTURE(key);
    CHECK(TopicConfigDefault(server, key) == value);
  }
  CHECK(TopicConfigDefault(server, "retention.hours") == std::nullopt);

  const ServerConfig tuned = Defaults({"log.cleanup.policy=compact,delete", "log.retention.hours=1",
                                       "log.flush.interval.ms=1000", "min.insync.replicas=2",
                                       "log.cleaner.min.cleanable.ratio=0.0001"});
  CHECK(TopicConfigDefault(tuned, "cleanup.policy") == "compact,delete");
  CHECK(TopicConfigDefault(tuned, "retention.ms") == "3600000");
  CHECK(TopicConfigDefault(tuned, "flush.ms") == "1000");
  CHECK(TopicConfigDefault(tuned, "min.insync.replicas") == "2");
  CHECK(TopicConfigDefault(tuned, "min.cleanable.dirty.ratio") == "1.0E-4");
}

TEST_CASE("TopicConfig: without overrides the log config is the broker's") {
  const ServerConfig server = Defaults();
  const storage::LogConfig broker = storage::LogConfigFromServer(server);
  const storage::LogConfig topic = EffectiveLogConfig(server, Topic({}));
  CHECK(topic.segment_bytes == broker.segment_bytes);
  CHECK(topic.segment_ms == broker.segment_ms);
  CHECK(topic.index_interval_bytes == broker.index_interval_bytes);
  CHECK(topic.retention_ms == broker.retention_ms);
  CHECK(topic.retention_bytes == broker.retention_bytes);
  CHECK(topic.cleanup_delete == broker.cleanup_delete);
  CHECK(topic.cleanup_compact == broker.cleanup_compact);
  CHECK(topic.delete_retention_ms == broker.delete_retention_ms);
  CHECK(topic.min_cleanable_dirty_ratio == broker.min_cleanable_dirty_ratio);
  CHECK(topic.max_batch_bytes == broker.max_batch_bytes);
  CHECK(topic.max_decompressed_bytes == broker.max_decompressed_bytes);
  CHECK(topic.preallocate);  // log.preallocate's default reaches every log
  CHECK(topic.segment_bytes == 1073741824);
  CHECK(topic.retention_ms == 604800000);
}

TEST_CASE("TopicConfig: overrides replace the broker defaults in the log config") {
  const ServerConfig server = Defaults();
  const storage::LogConfig config =
      EffectiveLogConfig(server, Topic({{"cleanup.policy", "compact"},
                                        {"retention.ms", "-1"},
                                        {"retention.bytes", "1000000"},
                                        {"segment.bytes", "1048576"},
                                        {"segment.ms", "3600000"},
                                        {"max.message.bytes", "2000000"},
                                        {"delete.retention.ms", "1000"},
                                        {"min.cleanable.dirty.ratio", "0.25"},
                                        {"index.interval.bytes", "128"}}));
  CHECK_FALSE(config.cleanup_delete);
  CHECK(config.cleanup_compact);
  CHECK(config.retention_ms == -1);
  CHECK(config.retention_bytes == 1000000);
  CHECK(config.segment_bytes == 1048576);
  CHECK(config.segment_ms == 3600000);
  CHECK(config.max_batch_bytes == 2000000);
  CHECK(config.delete_retention_ms == 1000);
  CHECK(config.min_cleanable_dirty_ratio == 0.25);
  CHECK(config.index_interval_bytes == 128);

  const storage::LogConfig both = EffectiveLogConfig(server, Topic({{"cleanup.policy", "delete, compact"}}));
  CHECK(both.cleanup_delete);
  CHECK(both.cleanup_compact);
}

TEST_CASE("TopicConfig: the broker-side settings of a topic") {
  const ServerConfig server = Defaults({"min.insync.replicas=2"});
  TopicBrokerConfig defaults = EffectiveTopicBrokerConfig(server, Topic({}));
  CHECK_FALSE(defaults.log_append_time);
  CHECK(defaults.min_insync_replicas == 2);
  CHECK(defaults.compression_type == "producer");
  TopicBrokerConfig overridden = EffectiveTopicBrokerConfig(
      server, Topic({{"message.timestamp.type", "LogAppendTime"}, {"min.insync.replicas", "1"},
                     {"compression.type", "zstd"}}));
  CHECK(overridden.log_append_time);
  CHECK(overridden.min_insync_replicas == 1);
  CHECK(overridden.compression_type == "zstd");
}

TEST_CASE("TopicConfig: DescribeConfigs shows overrides as topic configs and the rest as defaults") {
  const ServerConfig server = Defaults();
  const TopicInfo topic = Topic({{"retention.ms", " +0100"},
                                 {"cleanup.policy", " compact , delete"},
                                 {"min.cleanable.dirty.ratio", "0.50"},
                                 {"unclean.leader.election.enable", "False"}});
  const std::vector<ConfigEntry> entries = DescribeTopicConfigs(server, topic, nullptr);
  REQUIRE(entries.size() == SupportedTopicConfigNames().size());
  for (size_t i = 0; i < entries.size(); ++i) CHECK(entries[i].name == SupportedTopicConfigNames()[i]);

  auto find = [&](const std::string& name) {
    for (const ConfigEntry& entry : entries) {
      if (entry.name == name) return entry;
    }
    FAIL("missing " << name);
    return ConfigEntry{};
  };
  const ConfigEntry retention = find("retention.ms");
  CHECK(retention.value == "100");
  CHECK(retention.source == kConfigSourceTopic);
  CHECK_FALSE(retention.is_default);
  CHECK_FALSE(retention.read_only);
  CHECK_FALSE(retention.sensitive);
  CHECK(retention.type == TopicConfigType::kLong);
  CHECK(find("cleanup.policy").value == "compact,delete");
  CHECK(find("cleanup.policy").type == TopicConfigType::kList);
  CHECK(find("min.cleanable.dirty.ratio").value == "0.5");
  CHECK(find("min.cleanable.dirty.ratio").type == TopicConfigType::kDouble);
  CHECK(find("unclean.leader.election.enable").value == "false");
  CHECK(find("unclean.leader.election.enable").type == TopicConfigType::kBoolean);

  const ConfigEntry segment = find("segment.bytes");
  CHECK(segment.value == "1073741824");
  CHECK(segment.source == kConfigSourceDefault);
  CHECK(segment.is_default);
  CHECK(segment.type == TopicConfigType::kInt);
  CHECK_FALSE(segment.documentation.empty());
  CHECK(find("compression.type").type == TopicConfigType::kString);
}

TEST_CASE("TopicConfig: DescribeConfigs can be limited to some keys, unknown ones are left out") {
  const std::vector<std::string> keys = {"segment.ms", "no.such.key", "cleanup.policy"};
  const std::vector<ConfigEntry> entries = DescribeTopicConfigs(Defaults(), Topic({}), &keys);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name == "cleanup.policy");
  CHECK(entries[0].value == "delete");
  CHECK(entries[1].name == "segment.ms");
  CHECK(entries[1].value == "604800000");
  const std::vector<std::string> none;
  CHECK(DescribeTopicConfigs(Defaults(), Topic({}), &none).empty());
}

TEST_CASE("TopicConfig: doubles print as Java does") {
  const ServerConfig server = Defaults();
  auto ratio = [&](const std::string& value) {
    const std::vector<std::string> keys = {"min.cleanable.dirty.ratio"};
    return DescribeTopicConfigs(server, Topic({{"min.cleanable.dirty.ratio", value}}), &keys).at(0).value;
  };
  CHECK(ratio("0") == "0.0");
  CHECK(ratio("1") == "1.0");
  CHECK(ratio("0.125") == "0.125");
  CHECK(ratio("0.001") == "0.001");
  CHECK(ratio("0.0001") == "1.0E-4");
  CHECK(ratio("2.5e-5") == "2.5E-5");
}

TEST_CASE("TopicConfig: SplitConfigList trims and drops empty items") {
  CHECK(SplitConfigList("") == std::vector<std::string>{});
  CHECK(SplitConfigList(" a, b ,,c ") == std::vector<std::string>{"a", "b", "c"});
}

}  // namespace
}  // namespace cairn::broker
