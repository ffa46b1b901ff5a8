// CreatePartitions: grows topics through the controller shard (topic_admin),
// which makes the new partitions' logs before they become visible. Explicit
// replica assignments are refused: placement is the controller's.
#include <set>

#include "absl/strings/str_cat.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/create_partitions.h"

namespace cairn::broker {

void HandleCreatePartitions(ShardContext& shard, Request request, Respond respond) {
  kafka::CreatePartitionsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  const size_t count = decoded.topics.size();
  std::vector<absl::Status> early(count);
  std::vector<std::optional<size_t>> increase_of(count);
  std::vector<PartitionIncrease> increases;
  std::set<std::string> seen;
  for (size_t i = 0; i < count; ++i) {
    const auto& topic = decoded.topics[i];
    if (!seen.insert(topic.name).second) {
      early[i] = WithReason(absl::InvalidArgumentError("Duplicate topic in request."), ErrorReason::kInvalidRequest);
      continue;
    }
    if (topic.assignments.has_value() && !topic.assignments->empty()) {
      early[i] = WithReason(absl::InvalidArgumentError("manual replica assignment is not supported"),
                            ErrorReason::kInvalidReplicaAssignment);
      continue;
    }
    increase_of[i] = increases.size();
    increases.push_back({topic.name, topic.count});
  }
  kafka::CreatePartitionsResponse response;
  for (const auto& topic : decoded.topics) {
    kafka::CreatePartitionsResponse::CreatePartitionsTopicResult result;
    result.name = topic.name;
    response.results.push_back(std::move(result));
  }
  CreatePartitions(shard, std::move(increases), decoded.validate_only,
                   [version, early = std::move(early), increase_of = std::move(increase_of),
                    response = std::move(response),
                    respond = std::move(respond)](std::vector<absl::Status> created) mutable {
                     for (size_t i = 0; i < response.results.size(); ++i) {
                       const absl::Status& status = increase_of[i] ? created[*increase_of[i]] : early[i];
                       response.results[i].error_code = ErrorCodeOf(status);
                       response.results[i].error_message = ErrorMessageOf(status);
                     }
                     RespondWith(respond, response, version);
                   });
}

}  // namespace cairn::broker
