// DeleteTopics: the controller shard removes the topics from the image, then
// their logs from the owner shards.
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"
#include "proto/kafka/generated/delete_topics.h"

namespace cairn::broker {

void HandleDeleteTopics(ShardContext& shard, Request request, Respond respond) {
  kafka::DeleteTopicsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  std::vector<std::string> names = decoded.topic_names;
  DeleteTopics(shard, names,
               [version, names, respond = std::move(respond)](std::vector<absl::Status> results) mutable {
                 kafka::DeleteTopicsResponse response;
                 for (size_t i = 0; i < names.size(); ++i) {
                   kafka::DeleteTopicsResponse::DeletableTopicResult result;
                   result.name = names[i];
                   result.error_code = ErrorCodeOf(results[i]);
                   response.responses.push_back(std::move(result));
                 }
                 RespondWith(respond, response, version);
               });
}

}  // namespace cairn::broker
