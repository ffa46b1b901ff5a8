// IncrementalAlterConfigs: each TOPIC resource's operations (set, delete,
// append, subtract) change its overrides; keys not named keep theirs.
// BROKER resources are refused: the broker's configuration is static until
// dynamic broker config exists.
#include "absl/strings/str_cat.h"
#include "broker/handlers/alter_config_resources.h"
#include "proto/kafka/generated/incremental_alter_configs.h"

namespace cairn::broker {
namespace {

absl::StatusOr<std::vector<ConfigChange>> ChangesOf(
    const kafka::IncrementalAlterConfigsRequest::AlterConfigsResource& resource) {
  std::vector<ConfigChange> changes;
  for (const auto& config : resource.configs) {
    ConfigChange change;
    change.key = config.name;
    change.op = static_cast<ConfigChange::Op>(config.config_operation);
    if (change.op != ConfigChange::Op::kDelete) {
      if (!config.value.has_value()) {
        return WithReason(absl::InvalidArgumentError(absl::StrCat("Null value not supported for : ", config.name)),
                          ErrorReason::kInvalidConfig);
      }
      change.value = *config.value;
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace

void HandleIncrementalAlterConfigs(ShardContext& shard, Request request, Respond respond) {
  kafka::IncrementalAlterConfigsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  AlterConfigResources<kafka::IncrementalAlterConfigsResponse>(shard, decoded, "IncrementalAlterConfigs",
                                                               /*replace=*/false, request.version(),
                                                               std::move(respond), ChangesOf);
}

}  // namespace cairn::broker
