// CreateTopics: validated and applied by the controller shard (topic_admin).
// Explicit replica assignments are refused: placement is the controller's.
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/create_topics.h"

namespace cairn::broker {

void HandleCreateTopics(ShardContext& shard, Request request, Respond respond) {
  kafka::CreateTopicsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  std::vector<TopicCreation> creations;
  std::vector<absl::Status> early(decoded.topics.size());
  for (size_t i = 0; i < decoded.topics.size(); ++i) {
    const auto& topic = decoded.topics[i];
    TopicCreation creation{topic.name, topic.num_partitions, topic.replication_factor, {}};
    for (const auto& config : topic.configs) {
      if (config.value) creation.configs[config.name] = *config.value;
    }
    if (!topic.assignments.empty()) {
      early[i] = WithReason(absl::InvalidArgumentError("manual replica assignment is not supported"),
                            ErrorReason::kInvalidRequest);
    }
    creations.push_back(std::move(creation));
  }
  CreateTopics(shard, std::move(creations), decoded.validate_only,
               [version, early = std::move(early), respond = std::move(respond)](
                   std::vector<TopicCreationResult> results) mutable {
                 kafka::CreateTopicsResponse response;
                 for (size_t i = 0; i < results.size(); ++i) {
                   const absl::Status& status = early[i].ok() ? results[i].status : early[i];
                   kafka::CreateTopicsResponse::CreatableTopicResult result;
                   result.name = results[i].info.name;
                   result.error_code = ErrorCodeOf(status);
                   result.error_message = ErrorMessageOf(status);
                   if (status.ok()) {
                     result.num_partitions = results[i].info.partitions;
                     result.replication_factor = results[i].info.replication_factor;
                   }
                   response.topics.push_back(std::move(result));
                 }
                 RespondWith(respond, response, version);
               });
}

}  // namespace cairn::broker
