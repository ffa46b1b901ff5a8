// The broker's own configuration as DescribeConfigs shows it for a BROKER
// resource: the server.properties keys users look for (DESIGN.md §10), with
// their effective values. Read-only: dynamic broker config (Kafka's
// IncrementalAlterConfigs on a BROKER resource) is not supported yet.
#pragma once

#include <vector>

#include "broker/topic_config.h"
#include "common/server_config.h"

namespace cairn::broker {

// Kafka's DescribeConfigs config_source for a key given in server.properties
// or with --override.
inline constexpr int8_t kConfigSourceStaticBroker = 4;  // STATIC_BROKER_CONFIG

// Every described broker key in name order. A value equal to cairnd's built-in
// default has source DEFAULT_CONFIG, any other STATIC_BROKER_CONFIG; every
// entry is read-only. `only_keys` as for DescribeTopicConfigs.
std::vector<ConfigEntry> DescribeBrokerConfigs(const ServerConfig& server,
                                               const std::vector<std::string>* only_keys);

}  // namespace cairn::broker
