// Produce: each partition's records go to the shard that owns the partition,
// which appends them and answers once they are durable (fsync before
// acknowledge, for acks=1 and acks=all alike). The answers are gathered back
// here in request order. acks=0 gets no response, but its records are still
// appended.
#include "absl/strings/str_cat.h"
#include "broker/owner_calls.h"
#include "broker/handlers/handler_util.h"
#include "broker/metrics.h"
#include "broker/partition_ops.h"
#include "broker/quotas.h"
#include "broker/shard_context.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/produce.h"

namespace cairn::broker {
namespace {

// Where an append's answer goes in the response.
struct Target {
  size_t topic_index;
  size_t partition_position;
};

absl::Status CheckTarget(const ShardContext& shard, const std::string& topic, int32_t partition,
                         const std::optional<Buffer>& records) {
  const TopicInfo* info = shard.image()->Find(topic);
  if (info == nullptr || partition < 0 || partition >= info->partitions) {
    return WithReason(absl::NotFoundError(absl::StrCat("unknown partition ", topic, "-", partition)),
                      ErrorReason::kUnknownTopicOrPartition);
  }
  if (topic.starts_with("__")) {
    return WithReason(absl::InvalidArgumentError(absl::StrCat("clients may not write to internal topic ", topic)),
                      ErrorReason::kInvalidTopic);
  }
  if (!shard.image()->Leads(TopicPartition{topic, partition})) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat("this broker does not lead ", topic, "-", partition)),
                      ErrorReason::kNotLeader);
  }
  if (!records || records->empty()) {
    return WithReason(absl::InvalidArgumentError("no records"), ErrorReason::kInvalidRecord);
  }
  return absl::OkStatus();
}

}  // namespace

void HandleProduce(ShardContext& shard, Request request, Respond respond) {
  kafka::ProduceRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  const int16_t acks = decoded.acks;

  // The response skeleton, in request order; errors found here are final.
  kafka::ProduceResponse response;
  response.throttle_time_ms = RecordProduceQuota(shard, request);  // the session mutes for as long
  std::vector<Target> targets;
  std::vector<std::pair<TopicPartition, Buffer>> appends;
  for (size_t t = 0; t < decoded.topic_data.size(); ++t) {
    auto& topic = decoded.topic_data[t];
    kafka::ProduceResponse::TopicProduceResponse topic_response;
    topic_response.name = topic.name;
    for (auto& partition : topic.partition_data) {
      kafka::ProduceResponse::PartitionProduceResponse result;
      result.index = partition.index;
      absl::Status status = acks == 0 || acks == 1 || acks == -1
                                ? CheckTarget(shard, topic.name, partition.index, partition.records)
                                : WithReason(absl::InvalidArgumentError(absl::StrCat("acks ", acks)),
                                             ErrorReason::kInvalidRequiredAcks);
      if (!decoded.transactional_id.value_or("").empty() && status.ok()) {
        status = WithReason(absl::UnimplementedError("transactions are not supported yet"),
                            ErrorReason::kInvalidRequest);
      }
      if (status.ok()) {
        targets.push_back({t, topic_response.partition_responses.size()});
        appends.emplace_back(TopicPartition{topic.name, partition.index}, std::move(*partition.records));
      } else {
        result.error_code = ErrorCodeOf(status);
        result.error_message = ErrorMessageOf(status);
        result.base_offset = -1;
      }
      topic_response.partition_responses.push_back(std::move(result));
    }
    response.responses.push_back(std::move(topic_response));
  }

  std::optional<Respond> sink;
  if (acks == 0) {
    // No response at all; the session moves on to the next request now.
    std::move(respond)(Reply::NoResponse());
  } else {
    sink = std::move(respond);
  }
  // Tallied before the records move to their owners.
  std::vector<std::pair<std::string, RecordTally>> tallies;
  for (const auto& [tp, records] : appends) tallies.emplace_back(tp.topic, TallyRecords(records));
  auto finish = [response = std::move(response), targets, tallies = std::move(tallies), version,
                 sink = std::move(sink)](std::vector<AppendOutcome> outcomes) mutable {
    for (size_t i = 0; i < outcomes.size(); ++i) {
      // A producer's retry appended nothing: count it once.
      if (outcomes[i].status.ok() && !outcomes[i].duplicate) CountMessagesIn(tallies[i].first, tallies[i].second);
    }
    if (!sink) return;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      auto& result = response.responses[targets[i].topic_index].partition_responses[targets[i].partition_position];
      result.error_code = ErrorCodeOf(outcomes[i].status);
      result.error_message = ErrorMessageOf(outcomes[i].status);
      result.base_offset = outcomes[i].status.ok() ? outcomes[i].base_offset : -1;
      result.log_start_offset = outcomes[i].log_start_offset;
    }
    RespondWith(*sink, response, version);
  };
  std::vector<std::pair<TopicPartition, OwnerJob<AppendOutcome>>> jobs;
  for (auto& [tp, records] : appends) {
    jobs.emplace_back(tp, [tp = tp, records = std::move(records)](ShardContext& owner,
                                                                   OwnerReply<AppendOutcome> reply) mutable {
      AppendOnOwner(owner, tp, std::move(records), std::move(reply));
    });
  }
  GatherFromOwners<AppendOutcome>(shard, std::move(jobs), std::move(finish));
}

}  // namespace cairn::broker
