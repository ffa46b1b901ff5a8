// Metadata: the live brokers, and topics with their partitions' leaders,
// replicas and ISRs, all from the controller's image. Unknown topics are created on the fly when
// auto.create.topics.enable and the request allow it.
#include <set>

#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "broker/topic_admin.h"
#include "common/topic_partition.h"
#include "proto/kafka/generated/metadata.h"

namespace cairn::broker {
namespace {

kafka::MetadataResponse BuildResponse(const ShardContext& shard, const std::vector<std::string>& names) {
  const ServerConfig& config = shard.config();
  const int32_t node = config.node_id.value();
  const TopicImage& image = *shard.image();
  const Listener* own = ClientListener(config);
  kafka::MetadataResponse response;
  // Every live broker, at its endpoint for the listener this client uses.
  for (const auto& [id, broker] : image.cluster->brokers) {
    if (broker.fenced && id != node) continue;
    for (const controller::metadata::Endpoint& endpoint : broker.endpoints) {
      if (own == nullptr || endpoint.name != own->name) continue;
      kafka::MetadataResponse::MetadataResponseBroker entry;
      entry.node_id = id;
      entry.host = endpoint.host;
      entry.port = endpoint.port;
      response.brokers.push_back(entry);
      break;
    }
  }
  if (image.cluster->FindBroker(node) == nullptr && own != nullptr) {
    kafka::MetadataResponse::MetadataResponseBroker self;
    self.node_id = node;
    self.host = own->host;
    self.port = own->port;
    response.brokers.push_back(self);
  }
  // v2+ (null before): the cluster.id every node of the cluster shares.
  response.cluster_id = config.cluster_id;
  // Any broker takes admin requests (it forwards them to the active
  // controller, as KRaft brokers do), so clients may as well use this one.
  response.controller_id = node;
  for (const std::string& name : names) {
    kafka::MetadataResponse::MetadataResponseTopic topic;
    topic.name = name;
    const TopicInfo* info = image.Find(name);
    if (info == nullptr) {
      topic.error_code = static_cast<int16_t>(ValidateTopicName(name).ok() ? KafkaError::kUnknownTopicOrPartition
                                                                           : KafkaError::kInvalidTopicException);
      response.topics.push_back(std::move(topic));
      continue;
    }
    topic.is_internal = info->internal;
    for (int32_t p = 0; p < info->partitions; ++p) {
      kafka::MetadataResponse::MetadataResponsePartition partition;
      partition.partition_index = p;
      const controller::metadata::PartitionInfo* state = image.Partition(TopicPartition{name, p});
      if (state == nullptr) continue;
      partition.leader_id = state->leader;
      partition.leader_epoch = state->leader_epoch;
      partition.replica_nodes = state->replicas;
      partition.isr_nodes = state->isr;
      if (state->leader == controller::metadata::kNoLeader) {
        partition.error_code = static_cast<int16_t>(KafkaError::kLeaderNotAvailable);
      }
      topic.partitions.push_back(std::move(partition));
    }
    response.topics.push_back(std::move(topic));
  }
  return response;
}

}  // namespace

void HandleMetadata(ShardContext& shard, Request request, Respond respond) {
  kafka::MetadataRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  // v0: an empty list means every topic; v1+: null does.
  const bool all_topics = !decoded.topics.has_value() || (version == 0 && decoded.topics->empty());
  std::vector<std::string> names;
  if (all_topics) {
    for (const auto& [name, info] : shard.image()->topics) names.push_back(name);
  } else {
    std::set<std::string> seen;
    for (const auto& topic : *decoded.topics) {
      if (seen.insert(topic.name).second) names.push_back(topic.name);
    }
  }
  std::vector<TopicCreation> to_create;
  const bool may_create = shard.config().auto_create_topics_enable && (version < 4 || decoded.allow_auto_topic_creation);
  if (may_create && !all_topics) {
    for (const std::string& name : names) {
      if (shard.image()->Find(name) == nullptr && ValidateTopicName(name).ok() && !name.starts_with("__")) {
        to_create.push_back(TopicCreation{name});
      }
    }
  }
  if (to_create.empty()) {
    RespondWith(respond, BuildResponse(shard, names), version);
    return;
  }
  CreateTopics(shard, std::move(to_create), /*validate_only=*/false,
               [&shard, names = std::move(names), version,
                respond = std::move(respond)](std::vector<TopicCreationResult> results) mutable {
                 for (const TopicCreationResult& result : results) {
                   if (!result.status.ok() && !absl::IsAlreadyExists(result.status)) {
                     CAIRN_LOG(kWarning) << "auto-creating topic " << result.info.name << ": " << result.status;
                   }
                 }
                 RespondWith(respond, BuildResponse(shard, names), version);
               });
}

}  // namespace cairn::broker
