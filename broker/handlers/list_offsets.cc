// ListOffsets: earliest (-2), latest (-1, the high watermark) or the first
// offset at or after a timestamp, each looked up on the partition's owner.
// v0 (old tools such as Burrow and sarama at its default version) gets that
// one offset as its old-style list when it asks for at least one; Kafka's v0
// answer to a timestamp listed segment base offsets instead, which no client
// of this era depends on for earliest/latest.
#include "broker/owner_calls.h"
#include "broker/handlers/handler_util.h"
#include "broker/partition_ops.h"
#include "broker/shard_context.h"
#include "proto/kafka/generated/list_offsets.h"

namespace cairn::broker {

void HandleListOffsets(ShardContext& shard, Request request, Respond respond) {
  kafka::ListOffsetsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  kafka::ListOffsetsResponse response;
  struct Lookup {
    TopicPartition tp;
    int64_t timestamp;
    int32_t max_num_offsets;
    size_t topic_index;
    size_t position;
  };
  std::vector<Lookup> lookups;
  for (size_t t = 0; t < decoded.topics.size(); ++t) {
    const auto& topic = decoded.topics[t];
    kafka::ListOffsetsResponse::ListOffsetsTopicResponse topic_response;
    topic_response.name = topic.name;
    const TopicInfo* info = shard.image()->Find(topic.name);
    for (const auto& partition : topic.partitions) {
      kafka::ListOffsetsResponse::ListOffsetsPartitionResponse result;
      result.partition_index = partition.partition_index;
      if (info == nullptr || partition.partition_index < 0 || partition.partition_index >= info->partitions) {
        result.error_code = static_cast<int16_t>(KafkaError::kUnknownTopicOrPartition);
      } else {
        lookups.push_back({TopicPartition{topic.name, partition.partition_index}, partition.timestamp,
                           partition.max_num_offsets, t, topic_response.partitions.size()});
      }
      topic_response.partitions.push_back(result);
    }
    response.topics.push_back(std::move(topic_response));
  }
  std::vector<std::pair<TopicPartition, OwnerJob<OffsetOutcome>>> jobs;
  for (const Lookup& lookup : lookups) {
    jobs.emplace_back(lookup.tp, [tp = lookup.tp, timestamp = lookup.timestamp](
                                     ShardContext& owner, OwnerReply<OffsetOutcome> reply) {
      std::move(reply)(LookupOffsetOnOwner(owner, tp, timestamp));
    });
  }
  GatherFromOwners<OffsetOutcome>(
      shard, std::move(jobs),
      [response = std::move(response), lookups, version,
       respond = std::move(respond)](std::vector<OffsetOutcome> outcomes) mutable {
        for (size_t i = 0; i < outcomes.size(); ++i) {
          auto& result = response.topics[lookups[i].topic_index].partitions[lookups[i].position];
          result.error_code = ErrorCodeOf(outcomes[i].status);
          result.offset = outcomes[i].offset;
          result.timestamp = outcomes[i].timestamp;
          result.leader_epoch = 0;
          if (outcomes[i].status.ok() && outcomes[i].offset >= 0 && lookups[i].max_num_offsets > 0) {
            result.old_style_offsets = {outcomes[i].offset};
          }
        }
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
