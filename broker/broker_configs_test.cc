// Tests of the broker config entries DescribeConfigs shows for a BROKER resource.
#include "broker/broker_configs.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cairn::broker {
namespace {

ServerConfig Server(const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Config> config = ServerConfigDef().Parse("", overrides);
  REQUIRE(config.ok());
  absl::StatusOr<ServerConfig> server = ServerConfig::FromConfig(*config);
  REQUIRE(server.ok());
  return *server;
}

const ConfigEntry& Entry(const std::vector<ConfigEntry>& entries, std::string_view name) {
  for (const ConfigEntry& entry : entries) {
    if (entry.name == name) return entry;
  }
  FAIL("no entry ", std::string(name));
  return entries.front();
}

TEST_CASE("BrokerConfigs: the keys users expect, sorted, all read-only") {
  std::vector<ConfigEntry> entries = DescribeBrokerConfigs(Server(), nullptr);
  std::vector<std::string> names;
  for (const ConfigEntry& entry : entries) {
    names.push_back(entry.name);
    CHECK(entry.read_only);
    CHECK_FALSE(entry.sensitive);
  }
  CHECK(names == std::vector<std::string>{"auto.create.topics.enable", "default.replication.factor",
                                          "log.cleanup.policy", "log.dirs", "log.retention.bytes",
                                          "log.retention.hours", "log.retention.ms", "log.roll.ms",
                                          "log.segment.bytes", "message.max.bytes", "min.insync.replicas",
                                          "node.id", "num.partitions"});
}

TEST_CASE("BrokerConfigs: built-in values are DEFAULT_CONFIG, given ones STATIC_BROKER_CONFIG") {
  std::vector<ConfigEntry> entries =
      DescribeBrokerConfigs(Server({"num.partitions=3", "log.retention.hours=2", "log.dirs=/a,/b"}), nullptr);
  CHECK(Entry(entries, "num.partitions").value == "3");
  CHECK(Entry(entries, "num.partitions").source == kConfigSourceStaticBroker);
  CHECK_FALSE(Entry(entries, "num.partitions").is_default);
  CHECK(Entry(entries, "log.retention.hours").value == "2");
  CHECK(Entry(entries, "log.retention.ms").value == "7200000");
  CHECK(Entry(entries, "log.retention.ms").source == kConfigSourceStaticBroker);
  CHECK(Entry(entries, "log.dirs").value == "/a,/b");
  CHECK(Entry(entries, "log.segment.bytes").value == "1073741824");
  CHECK(Entry(entries, "log.segment.bytes").source == kConfigSourceDefault);
  CHECK(Entry(entries, "log.segment.bytes").is_default);
  CHECK(Entry(entries, "message.max.bytes").value == "1048588");
  CHECK(Entry(entries, "auto.create.topics.enable").value == "true");
  CHECK(Entry(entries, "auto.create.topics.enable").type == TopicConfigType::kBoolean);
}

TEST_CASE("BrokerConfigs: only the requested keys, unknown ones left out") {
  std::vector<std::string> keys = {"min.insync.replicas", "no.such.key"};
  std::vector<ConfigEntry> entries = DescribeBrokerConfigs(Server(), &keys);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].name == "min.insync.replicas");
  CHECK(entries[0].value == "1");
}

}  // namespace
}  // namespace cairn::broker
