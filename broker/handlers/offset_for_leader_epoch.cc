// OffsetForLeaderEpoch: for each partition, the largest leader epoch not
// after the requested one and the offset where it ended (the start of the next
// epoch, or the end of the log for the latest), from the partition's leader
// epoch cache on its owner shard. Clients use it to detect log truncation
// after a leader change (KIP-320).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/owner_calls.h"
#include "broker/handlers/handler_util.h"
#include "broker/shard_context.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/offset_for_leader_epoch.h"

namespace cairn::broker {
namespace {

// Single node: every partition's leader epoch is 0 (as Metadata reports)
// until the controller assigns epochs.
constexpr int32_t kCurrentLeaderEpoch = 0;
constexpr int32_t kNoEpochCheck = -1;

struct EpochOutcome {
  absl::Status status;
  int32_t leader_epoch = -1;  // -1, -1: the requested epoch precedes the log
  int64_t end_offset = -1;
};

EpochOutcome EndOffsetOnOwner(ShardContext& owner, const TopicPartition& tp, int32_t leader_epoch) {
  storage::PartitionLog* log = owner.logs().Find(tp);
  if (log == nullptr) {
    if (auto it = owner.logs().offline().find(tp); it != owner.logs().offline().end()) {
      return {WithReason(
          absl::UnavailableError(absl::StrCat(tp.DirectoryName(), " is offline: ", it->second.message())),
          ErrorReason::kStorageError)};
    }
    return {WithReason(absl::NotFoundError(absl::StrCat("this server does not host ", tp.DirectoryName())),
                       ErrorReason::kUnknownTopicOrPartition)};
  }
  // The end a client may see is the high watermark (the durable offset on a
  // single node); a follower asking for the log end comes with replication.
  auto found = log->leader_epochs().EndOffsetFor(leader_epoch, log->durable_offset().value());
  if (!found) return {};
  return {absl::OkStatus(), found->first, std::min(found->second, log->durable_offset().value())};
}

// The error for a request whose current_leader_epoch does not match ours.
absl::Status CheckCurrentEpoch(int32_t current_leader_epoch) {
  if (current_leader_epoch == kNoEpochCheck || current_leader_epoch == kCurrentLeaderEpoch) return absl::OkStatus();
  if (current_leader_epoch < kCurrentLeaderEpoch) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat("leader epoch ", current_leader_epoch,
                                                                 " is older than the current ", kCurrentLeaderEpoch)),
                      ErrorReason::kFencedLeaderEpoch);
  }
  return WithReason(absl::FailedPreconditionError(absl::StrCat("leader epoch ", current_leader_epoch,
                                                               " is newer than the current ", kCurrentLeaderEpoch)),
                    ErrorReason::kUnknownLeaderEpoch);
}

}  // namespace

void HandleOffsetForLeaderEpoch(ShardContext& shard, Request request, Respond respond) {
  kafka::OffsetForLeaderEpochRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  if (decoded.replica_id >= 0) {
    // As for Fetch: only brokers are replicas (CVE-2018-1288).
    std::move(respond)(Reply::Close(absl::PermissionDeniedError(
        absl::StrCat("OffsetForLeaderEpoch with replica_id ", decoded.replica_id, " from a client"))));
    return;
  }
  const int16_t version = request.version();
  kafka::OffsetForLeaderEpochResponse response;
  struct Lookup {
    TopicPartition tp;
    int32_t leader_epoch;
    size_t topic_index;
    size_t position;
  };
  std::vector<Lookup> lookups;
  for (size_t t = 0; t < decoded.topics.size(); ++t) {
    const auto& topic = decoded.topics[t];
    kafka::OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult topic_result;
    topic_result.topic = topic.topic;
    const TopicInfo* info = shard.image()->Find(topic.topic);
    for (const auto& partition : topic.partitions) {
      kafka::OffsetForLeaderEpochResponse::EpochEndOffset result;
      result.partition = partition.partition;
      if (info == nullptr || partition.partition < 0 || partition.partition >= info->partitions) {
        result.error_code = ErrorCode(KafkaError::kUnknownTopicOrPartition);
      } else if (absl::Status epoch = CheckCurrentEpoch(partition.current_leader_epoch); !epoch.ok()) {
        result.error_code = ErrorCodeOf(epoch);
      } else {
        lookups.push_back({TopicPartition{topic.topic, partition.partition}, partition.leader_epoch, t,
                           topic_result.partitions.size()});
      }
      topic_result.partitions.push_back(result);
    }
    response.topics.push_back(std::move(topic_result));
  }
  std::vector<std::pair<TopicPartition, OwnerJob<EpochOutcome>>> jobs;
  for (const Lookup& lookup : lookups) {
    jobs.emplace_back(lookup.tp, [tp = lookup.tp, epoch = lookup.leader_epoch](
                                     ShardContext& owner, OwnerReply<EpochOutcome> reply) {
      std::move(reply)(EndOffsetOnOwner(owner, tp, epoch));
    });
  }
  GatherFromOwners<EpochOutcome>(
      shard, std::move(jobs),
      [response = std::move(response), lookups, version,
       respond = std::move(respond)](std::vector<EpochOutcome> outcomes) mutable {
        for (size_t i = 0; i < outcomes.size(); ++i) {
          auto& result = response.topics[lookups[i].topic_index].partitions[lookups[i].position];
          result.error_code = ErrorCodeOf(outcomes[i].status);
          result.leader_epoch = outcomes[i].leader_epoch;
          result.end_offset = outcomes[i].end_offset;
        }
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
