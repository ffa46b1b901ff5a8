// DescribeConfigs: TOPIC resources from this shard's topic image (overrides
// over the broker defaults, broker/topic_config.h), BROKER resources from the
// node's own static configuration (broker/broker_configs.h). Answered locally:
// both are on every shard. Synonyms are not listed (an empty array, which
// Kafka allows); documentation is sent only when asked for (v3+).
#include <charconv>

#include "absl/strings/str_cat.h"
#include "broker/broker_configs.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_config.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/describe_configs.h"

namespace cairn::broker {
namespace {

using Result = kafka::DescribeConfigsResponse::DescribeConfigsResult;

void SetError(Result& result, const absl::Status& status) {
  result.error_code = ErrorCodeOf(status);
  result.error_message = ErrorMessageOf(status);
}

// The entries of one resource, or the error the resource answers with.
absl::StatusOr<std::vector<ConfigEntry>> EntriesOf(ShardContext& shard, int8_t type, const std::string& name,
                                                   const std::vector<std::string>* only_keys) {
  if (type == kConfigResourceTopic) {
    const TopicInfo* info = shard.image()->Find(name);
    if (info == nullptr) {
      return WithReason(absl::NotFoundError(absl::StrCat("The topic '", name, "' does not exist.")),
                        ErrorReason::kUnknownTopicOrPartition);
    }
    return DescribeTopicConfigs(shard.config(), *info, only_keys);
  }
  if (type == kConfigResourceBroker) {
    // "" names the cluster-wide dynamic defaults, of which there are none.
    if (name.empty()) return std::vector<ConfigEntry>{};
    int32_t id = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (error != std::errc() || end != name.data() + name.size()) {
      return InvalidRequest(absl::StrCat("Broker id must be an integer, but it is: ", name));
    }
    const int32_t own_id = shard.config().node_id.value();
    if (id != own_id) {
      return InvalidRequest(
          absl::StrCat("Unexpected broker id, expected ", own_id, " or empty string, but received ", name));
    }
    return DescribeBrokerConfigs(shard.config(), only_keys);
  }
  return InvalidRequest(absl::StrCat("Unsupported resource type ", type, " for DescribeConfigs"));
}

}  // namespace

void HandleDescribeConfigs(ShardContext& shard, Request request, Respond respond) {
  kafka::DescribeConfigsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  const bool documentation = version >= 3 && decoded.include_documentation;
  kafka::DescribeConfigsResponse response;
  for (const auto& resource : decoded.resources) {
    Result result;
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    const std::vector<std::string>* only_keys =
        resource.configuration_keys.has_value() ? &*resource.configuration_keys : nullptr;
    auto entries = EntriesOf(shard, resource.resource_type, resource.resource_name, only_keys);
    if (!entries.ok()) {
      SetError(result, entries.status());
      response.results.push_back(std::move(result));
      continue;
    }
    for (ConfigEntry& entry : *entries) {
      kafka::DescribeConfigsResponse::DescribeConfigsResourceResult config;
      config.name = std::move(entry.name);
      config.value = std::move(entry.value);
      config.read_only = entry.read_only;
      config.is_default = entry.is_default;
      config.config_source = entry.source;
      config.is_sensitive = entry.sensitive;
      config.config_type = static_cast<int8_t>(entry.type);
      if (documentation) config.documentation = std::move(entry.documentation);
      result.configs.push_back(std::move(config));
    }
    response.results.push_back(std::move(result));
  }
  RespondWith(respond, response, version);
}

}  // namespace cairn::broker
