// What AlterConfigs and IncrementalAlterConfigs share: each resource of the
// request is refused early (a duplicate, a BROKER resource, another type, a
// bad change list) or becomes one topic alteration, which the controller
// shard applies (topic_admin: TopicStore::AlterConfigs, then the partition
// logs take the new settings and the image is published). The two requests
// differ only in their config entries and in whether keys left out keep
// their overrides.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"

namespace cairn::broker {

// `changes_of(resource)` gives a TOPIC resource's changes or the error it
// answers with; `replace` is TopicConfigAlteration::replace.
template <typename Response, typename Decoded, typename ChangesOf>
void AlterConfigResources(ShardContext& shard, const Decoded& decoded, const char* api_name, bool replace,
                          int16_t version, Respond respond, ChangesOf changes_of) {
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
    if (resource.resource_type == kConfigResourceBroker) {
      early[i] = InvalidRequest(
          "Dynamic broker configuration is not supported yet: set broker keys in server.properties "
          "(or with --override) and restart");
      continue;
    }
    if (resource.resource_type != kConfigResourceTopic) {
      early[i] = InvalidRequest(absl::StrCat("Unsupported resource type ", resource.resource_type, " for ",
                                                   api_name));
      continue;
    }
    absl::StatusOr<std::vector<ConfigChange>> changes = changes_of(resource);
    if (!changes.ok()) {
      early[i] = changes.status();
      continue;
    }
    alteration_of[i] = alterations.size();
    alterations.push_back({resource.resource_name, *std::move(changes), replace});
  }
  Response response;
  for (const auto& resource : decoded.resources) {
    typename decltype(response.responses)::value_type result;
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
