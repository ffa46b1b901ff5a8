// FindCoordinator: a group's coordinator is the leader of its
// __consumer_offsets partition (as in Kafka). The
// first request for a group creates __consumer_offsets (compacted,
// offsets.topic.num.partitions partitions), as Kafka does, and answers once
// its logs exist. Transaction coordinators do not exist yet.
#include "absl/strings/str_cat.h"
#include "broker/group/coordinator_partition.h"
#include "broker/group_service.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"
#include "proto/kafka/generated/find_coordinator.h"

namespace cairn::broker {
namespace {

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;
// Kafka's default offsets.topic.segment.bytes.
constexpr const char* kOffsetsSegmentBytes = "104857600";

kafka::FindCoordinatorResponse Error(KafkaError error, std::string message) {
  kafka::FindCoordinatorResponse response;
  response.error_code = ErrorCode(error);
  response.error_message = std::move(message);
  response.node_id = -1;
  response.port = -1;
  return response;
}

// The broker leading the group's __consumer_offsets partition, at its
// endpoint for the listener this client uses.
kafka::FindCoordinatorResponse CoordinatorOf(const ShardContext& shard, const std::string& group_id) {
  const Listener* listener = ClientListener(shard.config());
  if (listener == nullptr) return Error(KafkaError::kCoordinatorNotAvailable, "no client listener");
  const TopicImage& image = *shard.image();
  const TopicPartition tp{std::string(kConsumerOffsetsTopic),
                          group::CoordinatorPartitionFor(group_id, OffsetsTopicPartitions(shard))};
  const controller::metadata::PartitionInfo* partition = image.Partition(tp);
  const controller::metadata::BrokerInfo* leader =
      partition == nullptr ? nullptr : image.cluster->FindBroker(partition->leader);
  if (leader == nullptr) {
    return Error(KafkaError::kCoordinatorNotAvailable, absl::StrCat(tp.DirectoryName(), " has no leader"));
  }
  for (const controller::metadata::Endpoint& endpoint : leader->endpoints) {
    if (endpoint.name != listener->name) continue;
    kafka::FindCoordinatorResponse response;
    response.node_id = leader->id;
    response.host = endpoint.host;
    response.port = endpoint.port;
    return response;
  }
  return Error(KafkaError::kCoordinatorNotAvailable,
               absl::StrCat("broker ", leader->id, " has no ", listener->name, " endpoint"));
}

}  // namespace

void HandleFindCoordinator(ShardContext& shard, Request request, Respond respond) {
  kafka::FindCoordinatorRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  if (decoded.key_type == kTransactionKey) {
    return RespondWith(respond, Error(KafkaError::kCoordinatorNotAvailable, "transactions are not supported yet"),
                       version);
  }
  if (decoded.key_type != kGroupKey) {
    return RespondWith(respond, Error(KafkaError::kInvalidRequest, absl::StrCat("unknown key type ", decoded.key_type)),
                       version);
  }
  if (decoded.key.empty()) return RespondWith(respond, Error(KafkaError::kInvalidGroupId, "empty group id"), version);
  if (shard.image()->Find(kConsumerOffsetsTopic) != nullptr) {
    return RespondWith(respond, CoordinatorOf(shard, decoded.key), version);
  }

  TopicCreation offsets;
  offsets.name = kConsumerOffsetsTopic;
  offsets.partitions = shard.config().offsets_topic_num_partitions;
  offsets.replication_factor = static_cast<int16_t>(shard.config().offsets_topic_replication_factor);
  offsets.configs = {{"cleanup.policy", "compact"}, {"segment.bytes", kOffsetsSegmentBytes}};
  offsets.internal = true;
  CreateTopics(shard, {std::move(offsets)}, /*validate_only=*/false,
               [&shard, version, key = decoded.key,
                respond = std::move(respond)](std::vector<TopicCreationResult> results) mutable {
                 const absl::Status& created = results.front().status;
                 // Another request may have created it first: just as good.
                 if (!created.ok() && ToKafkaError(created) != KafkaError::kTopicAlreadyExists) {
                   CAIRN_LOG(kError) << "creating " << kConsumerOffsetsTopic << ": " << created;
                   return RespondWith(respond,
                                      Error(KafkaError::kCoordinatorNotAvailable,
                                            absl::StrCat("creating ", kConsumerOffsetsTopic, ": ", created.message())),
                                      version);
                 }
                 RespondWith(respond, CoordinatorOf(shard, key), version);
               });
}

}  // namespace cairn::broker
