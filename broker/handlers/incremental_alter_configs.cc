// IncrementalAlterConfigs: TOPIC resources are changed by the controller
// shard (topic_admin: TopicStore::IncrementalAlterConfigs, then the partition
// logs take the new settings and the image is published). BROKER resources
// are refused: the broker's configuration is static until dynamic broker
// config exists.
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/incremental_alter_configs.h"

namespace cairn::broker {
namespace {

// Kafka's ConfigResource.Type.
constexpr int8_t kResourceTopic = 2;
constexpr int8_t kResourceBroker = 4;

absl::Status InvalidRequest(std::string message) {
  return WithReason(absl::InvalidArgumentError(std::move(message)), ErrorReason::kInvalidRequest);
}

// The changes of one TOPIC resource, or the error it answers with.
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
  const int16_t version = request.version();
  const size_t count = decoded.resources.size();
  // Per resource: an error found here, or the index of its alteration.
  std::vector<absl::Status> early(count);
  std::vector<std::optional<size_t>> alteration_of(count);
  std::vector<TopicConfigAlteration> alterations;
  std::set<std::pair<int8_t, std::string>> seen;
  for (size_t i = 0; i < count; ++i) {
    const auto& resource = decoded.resources[i];
    if (!seen.insert({resource.resource_type, resource.resource_name}).second) {
      early[i] = InvalidRequest(absl::StrCat("Duplicate resource in request: ", resource.resource_name));
      continue;
    }
    if (resource.resource_type == kResourceBroker) {
      early[i] = InvalidRequest(
          "Dynamic broker configuration is not supported yet: set broker keys in server.properties "
          "(or with --override) and restart");
      continue;
    }
    if (resource.resource_type != kResourceTopic) {
      early[i] = InvalidRequest(
          absl::StrCat("Unsupported resource type ", resource.resource_type, " for IncrementalAlterConfigs"));
      continue;
    }
    auto changes = ChangesOf(resource);
    if (!changes.ok()) {
      early[i] = changes.status();
      continue;
    }
    alteration_of[i] = alterations.size();
    alterations.push_back({resource.resource_name, *std::move(changes)});
  }
  kafka::IncrementalAlterConfigsResponse response;
  for (const auto& resource : decoded.resources) {
    kafka::IncrementalAlterConfigsResponse::AlterConfigsResourceResponse result;
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    response.responses.push_back(std::move(result));
  }
  AlterTopicConfigs(shard, std::move(alterations), decoded.validate_only,
                    [version, early = std::move(early), alteration_of = std::move(alteration_of),
                     response = std::move(response),
                     respond = std::move(respond)](std::vector<absl::Status> altered) mutable {
                      for (size_t i = 0; i < response.responses.size(); ++i) {
                        const absl::Status& status = alteration_of[i] ? altered[*alteration_of[i]] : early[i];
                        response.responses[i].error_code = ErrorCodeOf(status);
                        response.responses[i].error_message = ErrorMessageOf(status);
                      }
                      RespondWith(respond, response, version);
                    });
}

}  // namespace cairn::broker
