#include "client/sender.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/kafka_error.h"
#include "client/murmur2.h"
#include "common/check.h"
#include "common/status_macros.h"
#include "proto/kafka/codec.h"
#include "proto/kafka/generated/init_producer_id.h"

namespace cairn::client {
namespace {

constexpr int16_t kProduceKey = static_cast<int16_t>(kafka::ApiKey::kProduce);

// Errors after which the partition's leader may have moved: ask again.
bool SuggestsStaleMetadata(int16_t code) {
  return code == kafka_error::kUnknownTopicOrPartition || code == kafka_error::kLeaderNotAvailable ||
         code == kafka_error::kNotLeaderOrFollower || code == 74 /* FENCED_LEADER_EPOCH */ ||
         code == 75 /* UNKNOWN_LEADER_EPOCH */;
}

// Topic errors in a Metadata answer that waiting cannot cure: the Java
// producer's metadata wait fails at once on them too (InvalidTopicException,
// TopicAuthorizationException). UNKNOWN_TOPIC_OR_PARTITION and
// LEADER_NOT_AVAILABLE are waited out until delivery.timeout.ms.
bool IsPermanentTopicError(int16_t code) {
  return code == kafka_error::kInvalidTopicException || code == kafka_error::kTopicAuthorizationFailed;
}

// Batches of at least this many bytes go to the socket from where they were
// built instead of being copied into the request frame; a smaller one costs
// less to copy than to send as a piece of its own.
constexpr size_t kSpliceMinBytes = 4096;

// A Produce request whose frame borrows its batches (kafka::Writer's
// splicing): alive until the connection has written them, or dropped them,
// then the batches' buffers go back to the spares for the next batches.
struct BorrowedProduce {
  BorrowedProduce(kafka::ProduceRequest r, std::shared_ptr<SpareBuffers> s, size_t size)
      : request(std::move(r)), spare(std::move(s)), batch_size(size) {}
  ~BorrowedProduce() {
    for (auto& topic : request.topic_data) {
      for (auto& partition : topic.partition_data) {
        if (partition.records) spare->Keep(std::move(*partition.records), batch_size);
      }
    }
  }
  BorrowedProduce(const BorrowedProduce&) = delete;
  BorrowedProduce& operator=(const BorrowedProduce&) = delete;

  kafka::ProduceRequest request;
  std::shared_ptr<SpareBuffers> spare;
  size_t batch_size;
};

}  // namespace

Sender::Sender(ClientCore& core, const ProducerConfig& config, ProducerGate& gate, ProducerInbox& inbox,
               absl::AnyInvocable<void()> wake)
    : core_(core),
      config_(config),
      gate_(gate),
      inbox_(inbox),
      wake_(std::move(wake)),
      idempotent_(config.enable_idempotence),
      wake_timer_(core.shard()) {
  core_.OnBrokerReady([this](int32_t) { Drain(); });
}

PartitionQueue::SendPolicy Sender::policy() const {
  PartitionQueue::SendPolicy policy;
  policy.linger_ms = config_.linger_ms;
  policy.max_in_flight = config_.max_in_flight_per_partition;
  policy.idempotent = idempotent_;
  policy.flush_send_id = flush_ticket_;
  return policy;
}

size_t Sender::TotalInFlight() const {
  size_t total = 0;
  for (const auto& [tp, queue] : partitions_) total += queue->in_flight();
  return total;
}

void Sender::TakeInbox(int64_t now_ms) {
  inbox_.TakeAll(incoming_);
  // Records mostly come in runs of one topic: look it up once per run. A
  // record whose topic has metadata, and no earlier record waiting for it,
  // goes straight to its partition's queue.
  const std::string* run_topic = nullptr;
  const TopicMetadata* metadata = nullptr;
  QueueCache cache;
  for (OutgoingRecord& out : incoming_) {
    if (closing_) {
      CompleteRecord(out.record, {out.topic, out.partition.value_or(-1)}, absl::CancelledError("producer closed"), -1);
      continue;
    }
    if (run_topic == nullptr || *run_topic != out.topic) {
      run_topic = &out.topic;
      topics_.insert(out.topic);
      auto waiting = waiting_.find(out.topic);
      metadata = waiting == waiting_.end() || waiting->second.empty() ? core_.metadata().FindTopic(out.topic) : nullptr;
      cache = {};
    }
    if (metadata != nullptr) {
      Assign(out.topic, static_cast<int32_t>(metadata->partitions.size()), out.partition, out.record, now_ms, cache);
    } else {
      waiting_[out.topic].emplace_back(out.partition, std::move(out.record));
    }
  }
  incoming_.clear();
}

void Sender::FlushUpTo(uint64_t ticket) {
  flush_ticket_ = std::max(flush_ticket_, ticket);
  Drain();
}

void Sender::BeginClose() {
  closing_ = true;
  wake_timer_.Cancel();
  wake_at_ms_ = INT64_MAX;
  // No timer will take the inbox now: records that relied on it are failed
  // by the Drain this wakes.
  if (inbox_.Promise(INT64_MAX)) wake_();
}

void Sender::FailAll(const absl::Status& why) {
  closing_ = true;
  wake_timer_.Cancel();
  inbox_.Close(incoming_);  // a Send after this fails the record itself
  for (OutgoingRecord& out : incoming_) CompleteRecord(out.record, {out.topic, out.partition.value_or(-1)}, why, -1);
  incoming_.clear();
  for (auto& [tp, queue] : partitions_) {
    for (auto& batch : queue->TakeAll()) Complete(std::move(batch), tp, why, -1);
  }
  for (auto& [topic, records] : waiting_) {
    for (auto& [partition, record] : records) CompleteRecord(record, {topic, partition.value_or(-1)}, why, -1);
  }
  waiting_.clear();
}

void Sender::FailUnsent(const absl::Status& why) {
  BeginClose();
  inbox_.TakeAll(incoming_);
  for (OutgoingRecord& out : incoming_) CompleteRecord(out.record, {out.topic, out.partition.value_or(-1)}, why, -1);
  incoming_.clear();
  for (auto& [tp, queue] : partitions_) {
    for (auto& batch : queue->TakeQueued()) Complete(std::move(batch), tp, why, -1);
  }
  for (auto& [topic, records] : waiting_) {
    for (auto& [partition, record] : records) CompleteRecord(record, {topic, partition.value_or(-1)}, why, -1);
  }
  waiting_.clear();
}

int32_t Sender::ChoosePartition(const std::string& topic, std::optional<std::string_view> key,
                                int32_t partition_count, size_t record_bytes) {
  if (key.has_value()) return PartitionForKey(*key, partition_count);
  // Sticky (KIP-480): keyless records go to one partition until one would
  // start a new batch there (the open batch is full, or was sent); that
  // record and the ones after it go to another partition. So keyless records
  // still form large batches, and they spread over every partition.
  auto it = sticky_partition_.find(topic);
  if (it != sticky_partition_.end() && it->second < partition_count) {
    const int32_t current = it->second;
    auto queue = partitions_.find(TopicPartition{topic, current});
    const bool starts_batch =
        queue == partitions_.end() || queue->second->WouldStartBatch(record_bytes, config_.batch_size);
    if (!starts_batch || partition_count == 1) return current;
    it->second = LeastLoadedPartition(topic, partition_count, current);
    return it->second;
  }
  const int32_t chosen = LeastLoadedPartition(topic, partition_count, -1);
  sticky_partition_[topic] = chosen;
  return chosen;
}

int32_t Sender::LeastLoadedPartition(const std::string& topic, int32_t partition_count, int32_t current) {
  // As KIP-794's uniform sticky partitioner intends: the next batch goes
  // where the fewest batches wait or fly, so a partition that has fallen
  // behind (a slow leader, a backlog) is not handed more, and records do not
  // sit behind it while other partitions are idle. Ties, and the usual case
  // of all partitions equal, are broken at random over the others.
  size_t best_load = SIZE_MAX;
  int32_t best = current;
  uint32_t ties = 0;
  for (int32_t p = 0; p < partition_count; ++p) {
    if (p == current) continue;
    auto queue = partitions_.find(TopicPartition{topic, p});
    const size_t load = queue == partitions_.end() ? 0 : queue->second->queued() + queue->second->in_flight();
    if (load < best_load) {
      best_load = load;
      best = p;
      ties = 1;
    } else if (load == best_load && random_() % ++ties == 0) {
      best = p;  // reservoir sampling: each tied partition equally likely
    }
  }
  return best;
}

absl::Status Sender::MissingTopicStatus(const std::string& topic) const {
  // Say why: brokers that never answered are not a missing topic.
  const std::string prefix = absl::StrCat("no metadata for topic '", topic, "' within delivery.timeout.ms: ");
  if (!metadata_error_.ok()) {
    return absl::Status(metadata_error_.code(), absl::StrCat(prefix, metadata_error_.message()));
  }
  if (core_.metadata().brokers.empty()) {
    return absl::DeadlineExceededError(
        absl::StrCat(prefix, "no broker has answered yet (bootstrap ", config_.client.bootstrap_servers, ")"));
  }
  return KafkaErrorStatus(kafka_error::kUnknownTopicOrPartition,
                          absl::StrCat("topic '", topic, "' not in metadata after delivery.timeout.ms"));
}

void Sender::AssignWaitingRecords(int64_t now_ms) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const std::string& topic = it->first;
    const TopicMetadata* metadata = core_.metadata().FindTopic(topic);
    auto& records = it->second;
    if (metadata == nullptr) {
      metadata_wanted_ = true;
      // Records that waited for their topic longer than delivery.timeout.ms.
      while (!records.empty() && now_ms - records.front().second.enqueued_ms >= config_.delivery_timeout_ms) {
        auto [partition, record] = std::move(records.front());
        records.pop_front();
        CompleteRecord(record, {topic, partition.value_or(-1)}, MissingTopicStatus(topic), -1);
      }
      ++it;
      continue;
    }
    const int32_t partition_count = static_cast<int32_t>(metadata->partitions.size());
    QueueCache cache;
    while (!records.empty()) {
      auto [explicit_partition, record] = std::move(records.front());
      records.pop_front();
      Assign(topic, partition_count, explicit_partition, record, now_ms, cache);
    }
    it = waiting_.erase(it);
  }
}

void Sender::Assign(const std::string& topic, int32_t partition_count, std::optional<int32_t> explicit_partition,
                    PendingRecord& record, int64_t now_ms, QueueCache& cache) {
  if (explicit_partition.has_value() && (*explicit_partition < 0 || *explicit_partition >= partition_count)) {
    CompleteRecord(record, {topic, *explicit_partition},
                   KafkaErrorStatus(kafka_error::kUnknownTopicOrPartition,
                                    absl::StrCat("partition ", *explicit_partition, " of '", topic,
                                                 "' does not exist (", partition_count, " partitions)")),
                   -1);
    return;
  }
  const int32_t partition = explicit_partition.has_value()
                                ? *explicit_partition
                                : ChoosePartition(topic, record.Key(), partition_count, record.reserved_bytes);
  if (cache.queue == nullptr || partition != cache.partition) {
    auto& queue = partitions_[TopicPartition{topic, partition}];
    if (!queue) queue = std::make_unique<PartitionQueue>();
    cache = {partition, queue.get()};
  }
  const size_t bytes = record.reserved_bytes;
  const int64_t sent_ms = std::min(now_ms, record.enqueued_ms);
  cache.queue->Append(std::move(record), bytes, config_.batch_size, sent_ms);
}

void Sender::ExpireBatches(int64_t now_ms) {
  for (auto& [tp, queue] : partitions_) {
    for (auto& batch : queue->Expire(now_ms, config_.delivery_timeout_ms)) {
      // A batch sent before may or may not have been appended: the broker's
      // idea of our sequence is unknown, so start over with a new producer id.
      if (idempotent_ && batch->base_sequence >= 0) producer_id_reset_needed_ = true;
      std::string text = absl::StrCat("delivery.timeout.ms expired for ", tp.topic, "-", tp.partition, " after ",
                                      batch->attempts, " attempt(s)");
      if (!batch->last_error.ok()) absl::StrAppend(&text, "; the last failed with ", batch->last_error.message());
      Complete(std::move(batch), tp, absl::DeadlineExceededError(text), -1);
    }
  }
}

void Sender::Drain() {
  // A Drain from inside a callback of this one returns here; the outer one
  // takes the records that callback sent, or wakes for them (Promise below).
  if (draining_) return;
  draining_ = true;
  const int64_t now_ms = SteadyNowMs();
  TakeInbox(now_ms);  // fails the records once closing
  if (closing_) {
    draining_ = false;
    return;
  }
  AssignWaitingRecords(now_ms);
  ExpireBatches(now_ms);

  bool may_send = true;
  if (idempotent_) {
    if (producer_id_reset_needed_) {
      may_send = false;
      if (TotalInFlight() == 0) {
        producer_id_reset_needed_ = false;
        producer_id_state_ = ProducerIdState::kNone;
        for (auto& [tp, queue] : partitions_) queue->ResetSequences();
      }
    }
    if (producer_id_state_ != ProducerIdState::kReady) {
      may_send = false;
      RequestProducerId(now_ms);
    }
  }

  if (may_send) {
    std::map<int32_t, std::vector<std::pair<TopicPartition, PartitionQueue*>>> by_leader;
    for (auto& [tp, queue] : partitions_) {
      if (queue->queued() == 0) continue;
      const int32_t leader = core_.metadata().LeaderOf(tp.topic, tp.partition);
      if (leader < 0) {
        metadata_wanted_ = true;
        continue;
      }
      by_leader[leader].emplace_back(tp, queue.get());
    }
    for (auto& [leader, queues] : by_leader) {
      BrokerConnection* connection = core_.ConnectionTo(leader);
      if (connection == nullptr) {
        metadata_wanted_ = true;
        continue;
      }
      if (!connection->ready()) {
        connection->Connect();  // Drain runs again when it is ready
        continue;
      }
      while (connection->has_free_slot() && SendTo(leader, queues, now_ms)) {
      }
    }
  }
  // metadata.max.age.ms: refresh even without errors, so new partitions and
  // leader moves are picked up (as the Java client and librdkafka do).
  const int64_t metadata_due_ms = metadata_refreshed_ms_ + config_.client.metadata_max_age_ms;
  if (!topics_.empty() && now_ms >= metadata_due_ms) metadata_wanted_ = true;
  if (metadata_wanted_) RequestMetadata(now_ms);

  int64_t wake_ms = INT64_MAX;
  if (!topics_.empty() && !metadata_in_flight_) {
    wake_ms = std::max({metadata_due_ms, metadata_next_ms_, now_ms + 1});
  }
  const PartitionQueue::SendPolicy send_policy = policy();
  for (auto& [tp, queue] : partitions_) {
    if (auto wake = queue->NextWakeMs(send_policy, config_.delivery_timeout_ms)) wake_ms = std::min(wake_ms, *wake);
  }
  for (auto& [topic, records] : waiting_) {
    if (!records.empty()) wake_ms = std::min(wake_ms, records.front().second.enqueued_ms + config_.delivery_timeout_ms);
  }
  if (metadata_wanted_) wake_ms = std::min(wake_ms, metadata_next_ms_);
  if (idempotent_ && producer_id_state_ == ProducerIdState::kNone) wake_ms = std::min(wake_ms, producer_id_retry_ms_);
  ScheduleWake(wake_ms, now_ms);
  draining_ = false;
  if (inbox_.Promise(wake_at_ms_)) wake_();
}

void Sender::ScheduleWake(int64_t wake_ms, int64_t now_ms) {
  if (wake_ms == INT64_MAX || wake_ms >= wake_at_ms_) return;
  wake_at_ms_ = wake_ms;
  wake_timer_.ExpireAfter(std::chrono::milliseconds(std::max<int64_t>(1, wake_ms - now_ms)), [this](absl::Status s) {
    if (!s.ok()) return;
    wake_at_ms_ = INT64_MAX;
    Drain();
  });
}

void Sender::RequestProducerId(int64_t now_ms) {
  if (producer_id_state_ != ProducerIdState::kNone || now_ms < producer_id_retry_ms_) return;
  producer_id_state_ = ProducerIdState::kRequesting;
  kafka::InitProducerIdRequest request;
  request.transaction_timeout_ms = 60000;  // unused without a transactional id
  core_.Call<kafka::InitProducerIdResponse>(
      ClientCore::kAnyNode, std::move(request), [this](absl::StatusOr<kafka::InitProducerIdResponse> response) {
        if (closing_) return;
        absl::Status status = response.ok() ? KafkaErrorStatus(response->error_code, "InitProducerId")
                                            : response.status();
        if (status.ok()) {
          producer_id_ = response->producer_id;
          producer_epoch_ = response->producer_epoch;
          producer_id_state_ = ProducerIdState::kReady;
        } else {
          producer_id_state_ = ProducerIdState::kNone;
          producer_id_retry_ms_ = SteadyNowMs() + config_.client.retry_backoff_ms;
        }
        Drain();
      });
}

void Sender::RequestMetadata(int64_t now_ms) {
  if (metadata_in_flight_ || now_ms < metadata_next_ms_) return;
  metadata_in_flight_ = true;
  metadata_wanted_ = false;
  std::vector<std::string> topics(topics_.begin(), topics_.end());
  core_.RefreshMetadata(std::move(topics), /*allow_auto_topic_creation=*/true,
                        [this](absl::StatusOr<std::vector<TopicMetadata>> answer) {
                          metadata_in_flight_ = false;
                          metadata_next_ms_ = SteadyNowMs() + config_.client.retry_backoff_ms;
                          if (answer.ok()) metadata_refreshed_ms_ = SteadyNowMs();
                          metadata_error_ = answer.ok() ? absl::OkStatus() : answer.status();
                          if (closing_) return;
                          if (answer.ok()) FailRefusedTopics(*answer);
                          Drain();
                        });
}

void Sender::FailRefusedTopics(const std::vector<TopicMetadata>& answer) {
  for (const TopicMetadata& topic : answer) {
    if (!IsPermanentTopicError(topic.error_code)) continue;
    auto waiting = waiting_.find(topic.name);
    if (waiting != waiting_.end()) {
      const absl::Status why = KafkaErrorStatus(topic.error_code, absl::StrCat("topic '", topic.name, "'"));
      for (auto& [partition, record] : waiting->second) {
        CompleteRecord(record, {topic.name, partition.value_or(-1)}, why, -1);
      }
      waiting_.erase(waiting);
    }
    // Asked for again only when a record for it comes, unless queues for it
    // remain (their batches then fail on the Produce answer).
    auto queue = partitions_.lower_bound(TopicPartition{topic.name, INT32_MIN});
    if (queue == partitions_.end() || queue->first.topic != topic.name) topics_.erase(topic.name);
  }
}

absl::StatusOr<Buffer> Sender::EncodeBatch(const ProducerBatch& batch) {
  const int64_t base_timestamp = batch.records.front().timestamp_ms;
  RecordBatchOptions options;
  options.compression = config_.compression;
  options.base_timestamp = base_timestamp;
  if (idempotent_) {
    options.producer_id = producer_id_;
    options.producer_epoch = producer_epoch_;
    options.base_sequence = WireSequence(batch.base_sequence);
  }
  // Keys and values are read where they are queued: each is copied once,
  // into the batch.
  RecordBatchBuilder builder(options, batch.size_bytes, spare_buffers_->Take());
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const PendingRecord& pending = batch.records[i];
    RecordView record;
    record.offset_delta = static_cast<int32_t>(i);
    record.timestamp_delta = pending.timestamp_ms - base_timestamp;
    record.key = pending.Key();
    record.value = pending.Value();
    record.headers = pending.headers;
    RETURN_IF_ERROR(builder.Append(record));
  }
  return std::move(builder).Finish();
}

bool Sender::SendTo(int32_t leader, std::vector<std::pair<TopicPartition, PartitionQueue*>>& queues, int64_t now_ms) {
  kafka::ProduceRequest request;
  request.acks = static_cast<int16_t>(config_.acks);
  request.timeout_ms = static_cast<int32_t>(config_.client.request_timeout_ms);
  std::vector<InFlightBatch> sent;
  size_t request_bytes = 0;
  const PartitionQueue::SendPolicy send_policy = policy();
  // Each request starts after the partition the previous one to this leader
  // ended with (`queues` is in partition order), as the Java client's
  // drainIndex does: a request holds about max.request.size, so always
  // starting at the first partition would starve the last ones.
  const size_t n = queues.size();
  size_t start = 0;
  if (auto last = last_drained_.find(leader); last != last_drained_.end()) {
    start = static_cast<size_t>(
        std::upper_bound(queues.begin(), queues.end(), last->second,
                         [](const TopicPartition& tp, const auto& entry) { return tp < entry.first; }) -
        queues.begin());
  }
  for (size_t k = 0; k < n; ++k) {
    auto& [tp, queue] = queues[(start + k) % n];
    if (request_bytes >= config_.max_request_size) break;
    ProducerBatch* batch = queue->NextToSend(now_ms, send_policy);
    if (batch == nullptr) continue;
    absl::StatusOr<Buffer> encoded = EncodeBatch(*batch);
    if (!encoded.ok()) {
      Complete(queue->OnFailed(batch), tp, encoded.status(), -1);
      continue;
    }
    request_bytes += encoded->size();
    // Once per topic, even when the rotation wraps around to it again.
    auto topic = std::find_if(request.topic_data.begin(), request.topic_data.end(),
                              [&](const auto& t) { return t.name == tp.topic; });
    if (topic == request.topic_data.end()) topic = request.topic_data.insert(topic, {tp.topic, {}, {}});
    topic->partition_data.push_back({tp.partition, std::move(*encoded), {}});
    sent.push_back({tp, batch});
    last_drained_[leader] = tp;
  }
  if (sent.empty()) return false;

  BrokerConnection::Request raw;
  raw.api_key = kProduceKey;
  raw.expects_response = config_.acks != Acks::kNone;
  raw.deadline_ms = now_ms + config_.client.request_timeout_ms;
  // Retries encode their batches again, so the request is free to go once
  // written.
  raw.encode = [produce = std::make_shared<const BorrowedProduce>(std::move(request), spare_buffers_,
                                                                  config_.batch_size)](kafka::Writer& w,
                                                                                       int16_t version) {
    w.SpliceRecords(kSpliceMinBytes, produce);
    produce->request.Encode(w, version);
  };
  raw.done = [this, sent = std::move(sent)](absl::Status status, int16_t version, ByteSpan body) mutable {
    OnProduceResponse(version, std::move(sent), std::move(status), body);
  };
  core_.Submit(leader, std::move(raw));
  return true;
}

void Sender::OnProduceResponse(int16_t version, std::vector<InFlightBatch> batches, absl::Status status,
                               ByteSpan body) {
  // The callbacks wait until Drain has sent what the answered batches held
  // back (with one request in flight per partition, the records that arrived
  // meanwhile): a callback that wakes the application's thread could
  // otherwise delay that send by the woken thread's turn on this CPU.
  ++deferring_completions_;
  const int64_t retry_at = SteadyNowMs() + config_.client.retry_backoff_ms;
  auto retry_all = [&](const absl::Status& why) {
    for (const InFlightBatch& sent : batches) {
      sent.batch->last_error = why;
      partitions_[sent.partition]->OnRetriable(sent.batch, retry_at);
    }
    metadata_wanted_ = true;
  };
  if (!status.ok()) {
    if (status.code() == absl::StatusCode::kUnimplemented) {
      for (const InFlightBatch& sent : batches) {
        Complete(partitions_[sent.partition]->OnFailed(sent.batch), sent.partition, status, -1);
      }
    } else {
      retry_all(status);  // connection lost or timed out: the broker deduplicates a resend
    }
  } else if (config_.acks == Acks::kNone) {
    for (const InFlightBatch& sent : batches) {
      Complete(partitions_[sent.partition]->OnAcknowledged(sent.batch), sent.partition, int64_t{-1}, -1);
    }
  } else {
    kafka::ProduceResponse response;
    if (absl::Status decoded = kafka::DecodeExact(body, version, &response); !decoded.ok()) {
      retry_all(decoded);
    } else {
      for (const InFlightBatch& sent : batches) {
        const kafka::ProduceResponse::PartitionProduceResponse* found = nullptr;
        for (const auto& topic : response.responses) {
          if (topic.name != sent.partition.topic) continue;
          for (const auto& partition : topic.partition_responses) {
            if (partition.index == sent.partition.partition) found = &partition;
          }
        }
        if (found == nullptr) {
          sent.batch->last_error = absl::DataLossError("the Produce response left this partition out");
          partitions_[sent.partition]->OnRetriable(sent.batch, retry_at);
          continue;
        }
        HandlePartitionResult(sent, found->error_code, found->error_message.value_or(""), found->base_offset,
                              found->log_append_time_ms);
      }
    }
  }
  if (!closing_) Drain();
  if (--deferring_completions_ == 0) RunDeferredCompletions();
}

void Sender::RunDeferredCompletions() {
  // Taken out first: nothing is deferred now, so whatever the callbacks
  // complete in turn runs at once rather than growing the list being run.
  std::vector<absl::AnyInvocable<void() &&>> completions;
  completions.swap(deferred_completions_);
  for (auto& completion : completions) std::move(completion)();
}

void Sender::HandlePartitionResult(const InFlightBatch& sent, int16_t error_code, const std::string& error_message,
                                   int64_t base_offset, int64_t log_append_time_ms) {
  PartitionQueue& queue = *partitions_[sent.partition];
  if (error_code == kafka_error::kNone || error_code == kafka_error::kDuplicateSequenceNumber) {
    // A duplicate is a resend the broker already appended: it was a success.
    Complete(queue.OnAcknowledged(sent.batch), sent.partition, base_offset, log_append_time_ms);
    return;
  }
  // Behind a retry, or sent before a failed batch moved its sequence down
  // (a record over max.message.bytes ahead of it): resend it in order.
  const bool out_of_order_to_resend =
      error_code == kafka_error::kOutOfOrderSequenceNumber && queue.OutOfOrderIsRetriable(sent.batch);
  if (out_of_order_to_resend || IsRetriableKafkaError(error_code)) {
    sent.batch->last_error = KafkaErrorStatus(error_code, error_message);
    queue.OnRetriable(sent.batch, SteadyNowMs() + config_.client.retry_backoff_ms);
    if (SuggestsStaleMetadata(error_code)) metadata_wanted_ = true;
    return;
  }
  if (idempotent_ && (error_code == kafka_error::kOutOfOrderSequenceNumber ||
                      error_code == kafka_error::kInvalidProducerEpoch ||
                      error_code == kafka_error::kUnknownProducerId)) {
    producer_id_reset_needed_ = true;
  }
  Complete(queue.OnFailed(sent.batch), sent.partition, KafkaErrorStatus(error_code, error_message), -1);
}

void Sender::Deliver(PendingRecord& record, const TopicPartition& tp, absl::StatusOr<int64_t> offset,
                     int64_t log_append_time_ms) {
  absl::StatusOr<RecordMetadata> result;
  if (offset.ok()) {
    result = RecordMetadata{tp.topic, tp.partition, *offset,
                            log_append_time_ms >= 0 ? log_append_time_ms : record.timestamp_ms};
  } else {
    result = offset.status();
  }
  if (record.done) std::move(record.done)(std::move(result));
}

// The callbacks first, then the gate: Flush returns only after callbacks ran.
void Sender::CompleteRecord(PendingRecord& record, const TopicPartition& tp, absl::StatusOr<int64_t> offset,
                            int64_t log_append_time_ms) {
  if (deferring_completions_ > 0) {
    deferred_completions_.push_back([this, record = std::move(record), tp, offset = std::move(offset),
                                     log_append_time_ms]() mutable {
      CompleteRecord(record, tp, std::move(offset), log_append_time_ms);
    });
    return;
  }
  Deliver(record, tp, std::move(offset), log_append_time_ms);
  gate_.Complete(record.send_id, record.reserved_bytes);
}

void Sender::Complete(std::unique_ptr<ProducerBatch> batch, const TopicPartition& tp,
                      absl::StatusOr<int64_t> base_offset, int64_t log_append_time_ms) {
  if (deferring_completions_ > 0) {
    deferred_completions_.push_back([this, batch = std::move(batch), tp, base_offset = std::move(base_offset),
                                     log_append_time_ms]() mutable {
      Complete(std::move(batch), tp, std::move(base_offset), log_append_time_ms);
    });
    return;
  }
  std::vector<uint64_t> tickets;
  tickets.reserve(batch->records.size());
  size_t bytes = 0;
  for (size_t i = 0; i < batch->records.size(); ++i) {
    PendingRecord& record = batch->records[i];
    absl::StatusOr<int64_t> offset = base_offset;
    if (base_offset.ok() && *base_offset >= 0) offset = *base_offset + static_cast<int64_t>(i);
    Deliver(record, tp, offset, log_append_time_ms);
    tickets.push_back(record.send_id);
    bytes += record.reserved_bytes;
  }
  gate_.CompleteAll(tickets, bytes);
}

}  // namespace cairn::client
