// AlterConfigs, the legacy form that confluent-kafka's alter_configs and
// kafka-python's KafkaAdminClient.alter_configs send: each TOPIC resource's
// overrides become exactly the given keys, so a key left out, or given a
// null value, returns to its default (as Kafka's legacy path does). BROKER
// resources are refused, as by IncrementalAlterConfigs.
#include "broker/handlers/alter_config_resources.h"
#include "proto/kafka/generated/alter_configs.h"

namespace cairn::broker {
namespace {

absl::StatusOr<std::vector<ConfigChange>> ChangesOf(const kafka::AlterConfigsRequest::AlterConfigsResource& resource) {
  std::vector<ConfigChange> changes;
  for (const auto& config : resource.configs) {
    if (!config.value.has_value()) continue;  // no override: the default
    changes.push_back({config.name, ConfigChange::Op::kSet, *config.value});
  }
  return changes;
}

}  // namespace

void HandleAlterConfigs(ShardContext& shard, Request request, Respond respond) {
  kafka::AlterConfigsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  AlterConfigResources<kafka::AlterConfigsResponse>(shard, decoded, "AlterConfigs", /*replace=*/true,
                                                    request.version(), std::move(respond), ChangesOf);
}

}  // namespace cairn::broker
