// Fetch: reads each partition on its owner shard (one task per owner, reading
// its partitions in turn), trims the answers to max_bytes in request order,
// and long-polls: while fewer than min_bytes are available it parks on the
// owners' FetchWaiters until data arrives or max_wait_ms passes.
// Consumers read up to the high watermark; aborted_transactions is always
// empty and last_stable_offset equals the high watermark (no transactions).
// Zero-copy: the owners answer with ranges of their segment files (each with
// its own descriptor, see io::SendFile), and the response goes out as pieces
// with those ranges sent by sendfile (broker/fetch_encoding.h).
#include <chrono>

#include "absl/strings/str_cat.h"
#include "broker/fetch_encoding.h"
#include "broker/fetch_waiters.h"
#include "broker/gather.h"
#include "broker/handlers/handler_util.h"
#include "broker/metrics.h"
#include "broker/partition_ops.h"
#include "broker/quotas.h"
#include "broker/shard_context.h"
#include "common/error_reason.h"
#include "io/timer.h"
#include "proto/kafka/generated/fetch.h"

namespace cairn::broker {
namespace {

struct PartitionRef {
  TopicPartition tp;
  size_t topic_index;
  size_t position;
  int64_t offset;
  int32_t max_bytes;
};

class FetchOperation : public std::enable_shared_from_this<FetchOperation> {
 public:
  FetchOperation(ShardContext& shard, int16_t version, kafka::FetchRequest request, Respond respond)
      : shard_(shard), version_(version), request_(std::move(request)), respond_(std::move(respond)) {}

  void set_client_id(std::optional<std::string> client_id) { client_id_ = std::move(client_id); }

  void Start() {
    for (size_t t = 0; t < request_.topics.size(); ++t) {
      const auto& topic = request_.topics[t];
      kafka::FetchResponse::FetchableTopicResponse topic_response;
      topic_response.topic = topic.topic;
      for (const auto& partition : topic.partitions) {
        kafka::FetchResponse::PartitionData data;
        data.partition_index = partition.partition;
        data.aborted_transactions.emplace();
        const TopicInfo* info = shard_.image()->Find(topic.topic);
        if (info == nullptr || partition.partition < 0 || partition.partition >= info->partitions) {
          data.error_code = static_cast<int16_t>(KafkaError::kUnknownTopicOrPartition);
        } else if (!shard_.image()->Leads(TopicPartition{topic.topic, partition.partition})) {
          data.error_code = static_cast<int16_t>(KafkaError::kNotLeaderOrFollower);
        } else {
          refs_.push_back({TopicPartition{topic.topic, partition.partition}, t, topic_response.partitions.size(),
                           partition.fetch_offset, partition.partition_max_bytes});
        }
        topic_response.partitions.push_back(std::move(data));
      }
      response_.responses.push_back(std::move(topic_response));
    }
    Round();
  }

 private:
  // One pass over every partition; answers or parks depending on min_bytes.
  void Round() {
    reading_ = true;
    std::vector<std::vector<size_t>> by_owner(shard_.shard_count());
    for (size_t i = 0; i < refs_.size(); ++i) by_owner[shard_.OwnerOf(refs_[i].tp)].push_back(i);
    const size_t total_budget = static_cast<size_t>(std::max(request_.max_bytes, 0));
    auto gather = Gather<std::vector<ReadOutcome>>::Create(
        by_owner.size(), [self = shared_from_this(), by_owner](std::vector<std::vector<ReadOutcome>> all) {
          self->OnRound(by_owner, std::move(all));
        });
    for (int owner = 0; owner < static_cast<int>(by_owner.size()); ++owner) {
      std::vector<PartitionRef> mine;
      for (size_t i : by_owner[owner]) mine.push_back(refs_[i]);
      shard_.CallOnShard<std::vector<ReadOutcome>>(
          owner,
          [mine = std::move(mine), total_budget](ShardContext& context,
                                                 absl::AnyInvocable<void(std::vector<ReadOutcome>) &&> reply) {
            std::vector<ReadOutcome> outcomes;
            size_t used = 0;
            for (const PartitionRef& ref : mine) {
              const size_t budget = std::min<size_t>(static_cast<size_t>(std::max(ref.max_bytes, 0)),
                                                     total_budget > used ? total_budget - used : 0);
              // A consumer must always make progress, so the first batch comes
              // back even when it is larger than the limits (KIP-74).
              outcomes.push_back(ReadOnOwner(context, ref.tp, ref.offset, budget, /*min_one_batch=*/true));
              used += outcomes.back().records_bytes();
            }
            std::move(reply)(std::move(outcomes));
          },
          [gather, owner](std::vector<ReadOutcome> outcomes) { gather->Set(static_cast<size_t>(owner), std::move(outcomes)); });
    }
  }

  void OnRound(const std::vector<std::vector<size_t>>& by_owner, std::vector<std::vector<ReadOutcome>> all) {
    reading_ = false;
    if (answered_) return;
    std::vector<ReadOutcome*> outcome_of(refs_.size());
    for (size_t owner = 0; owner < by_owner.size(); ++owner) {
      for (size_t k = 0; k < by_owner[owner].size(); ++k) outcome_of[by_owner[owner][k]] = &all[owner][k];
    }
    // Trim to max_bytes in request order, always keeping the first data.
    size_t total = 0;
    bool any_error = false;
    for (size_t i = 0; i < refs_.size(); ++i) {
      ReadOutcome& outcome = *outcome_of[i];
      if (total > 0 && total + outcome.records_bytes() > static_cast<size_t>(std::max(request_.max_bytes, 0))) {
        outcome.ClearRecords();
      }
      total += outcome.records_bytes();
      any_error |= !outcome.status.ok();
    }
    const bool expired = timer_expired_ || request_.max_wait_ms <= 0;
    if (total >= static_cast<size_t>(std::max(request_.min_bytes, 1)) || any_error || expired || refs_.empty()) {
      Answer(outcome_of);
      return;
    }
    if (woken_while_reading_) {
      // Data arrived while this round was reading: look again at once.
      woken_while_reading_ = false;
      Round();
      return;
    }
    Park();
  }

  void Wake() {
    if (answered_) return;
    if (reading_) {
      woken_while_reading_ = true;
    } else {
      Round();
    }
  }

  void Park() {
    if (!timer_) {
      timer_ = std::make_unique<io::Timer>(shard_.shard());
      timer_->ExpireAfter(std::chrono::milliseconds(request_.max_wait_ms), [self = shared_from_this()](absl::Status s) {
        if (!s.ok() || self->answered_) return;
        self->timer_expired_ = true;
        if (!self->reading_) self->Round();
      });
    }
    // Ask each owner to wake us when any of our partitions gets new data.
    const int origin = shard_.shard_id();
    for (const PartitionRef& ref : refs_) {
      std::weak_ptr<FetchOperation> weak = weak_from_this();
      shard_.PostTo(shard_.OwnerOf(ref.tp), [tp = ref.tp, origin, weak]() {
        ShardContext& owner = ShardContext::Current();
        owner.fetch_waiters().Watch(tp, [&owner, origin, weak]() {
          owner.PostTo(origin, [weak]() {
            if (auto self = weak.lock()) self->Wake();
          });
        });
      });
    }
  }

  void Answer(const std::vector<ReadOutcome*>& outcome_of) {
    answered_ = true;
    size_t bytes_out = 0;
    if (timer_) timer_->Cancel();
    std::vector<FetchRecordsPiece> records;
    for (size_t i = 0; i < refs_.size(); ++i) {
      ReadOutcome& outcome = *outcome_of[i];
      auto& data = response_.responses[refs_[i].topic_index].partitions[refs_[i].position];
      data.error_code = ErrorCodeOf(outcome.status);
      data.high_watermark = outcome.high_watermark;
      data.last_stable_offset = outcome.high_watermark;
      data.log_start_offset = outcome.log_start_offset;
      if (!outcome.status.ok()) continue;  // records stay null
      const size_t size = outcome.records_bytes();
      if (size == 0) {
        data.records.emplace();  // empty, not null
        continue;
      }
      CountBytesOut(refs_[i].tp.topic, size);
      bytes_out += size;
      FetchRecordsPiece piece{refs_[i].topic_index, refs_[i].position, Buffer()};
      if (outcome.file_range.file != nullptr) {
        piece.records = std::move(outcome.file_range);
      } else {
        piece.records = std::move(outcome.records);
      }
      records.push_back(std::move(piece));
    }
    response_.throttle_time_ms = RecordFetchQuota(shard_, client_id_, bytes_out);  // the session mutes for as long
    std::move(respond_)(Reply::WithPieces(EncodeFetchResponse(std::move(response_), version_, std::move(records))));
  }

  ShardContext& shard_;
  std::optional<std::string> client_id_;  // for the fetch quota
  const int16_t version_;
  kafka::FetchRequest request_;
  Respond respond_;
  kafka::FetchResponse response_;
  std::vector<PartitionRef> refs_;
  std::unique_ptr<io::Timer> timer_;
  bool reading_ = false;
  bool answered_ = false;
  bool timer_expired_ = false;
  bool woken_while_reading_ = false;
};

}  // namespace

void HandleFetch(ShardContext& shard, Request request, Respond respond) {
  kafka::FetchRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  if (decoded.replica_id >= 0) {
    // Follower fetches come only from brokers; a client claiming to be one
    // could interfere with replication (CVE-2018-1288).
    std::move(respond)(Reply::Close(absl::PermissionDeniedError(
        absl::StrCat("Fetch with replica_id ", decoded.replica_id, " from a client"))));
    return;
  }
  auto operation = std::make_shared<FetchOperation>(shard, request.version(), std::move(decoded), std::move(respond));
  operation->set_client_id(request.header.client_id);
  operation->Start();
}

}  // namespace cairn::broker
