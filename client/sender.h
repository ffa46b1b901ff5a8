// The Producer's io-thread half: assigns partitions, keeps one PartitionQueue
// per partition, obtains the producer id, builds Produce requests (one per
// leader, at most one batch per partition each) and handles their answers:
// completion, retry in order, metadata refresh, producer id reset.
//
// Threading: io thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "client/client_core.h"
#include "client/config.h"
#include "client/partition_queue.h"
#include "client/producer_gate.h"
#include "client/producer_inbox.h"
#include "client/spare_buffers.h"
#include "common/topic_partition.h"
#include "io/timer.h"
#include "proto/kafka/generated/produce.h"

namespace cairn::client {

class Sender {
 public:
  // `wake` makes Drain run soon on the io thread (posted, never inline).
  Sender(ClientCore& core, const ProducerConfig& config, ProducerGate& gate, ProducerInbox& inbox,
         absl::AnyInvocable<void()> wake);

  // Takes the inbox's records, sends what is ready, and tells the inbox when
  // it will be looked at next (its promise: this Sender's timer).
  void Drain();
  // Sends batches holding records up to `ticket` without waiting for linger.
  void FlushUpTo(uint64_t ticket);
  // Stops sending (shutdown): answers that still arrive only requeue.
  void BeginClose();
  // Fails every record still held with `why` and closes the inbox (shutdown).
  void FailAll(const absl::Status& why);
  // Stops sending and fails with `why` every record not in flight: those in
  // flight complete when answered, or in FailAll (a Close from a delivery
  // callback, which cannot wait for them).
  void FailUnsent(const absl::Status& why);

 private:
  struct InFlightBatch {
    TopicPartition partition;
    ProducerBatch* batch;
  };
  enum class ProducerIdState { kNone, kRequesting, kReady };

  // A partition's queue, looked up once per run of records bound for it.
  struct QueueCache {
    int32_t partition = -1;
    PartitionQueue* queue = nullptr;
  };
  // Moves the inbox's records to their partitions' queues, or to waiting_
  // while their topic has no metadata (or fails them once closing).
  void TakeInbox(int64_t now_ms);
  // Puts `record` in its partition's queue: `explicit_partition`, or one the
  // partitioner chooses among `partition_count`. Fails it when the explicit
  // partition does not exist.
  void Assign(const std::string& topic, int32_t partition_count, std::optional<int32_t> explicit_partition,
              PendingRecord& record, int64_t now_ms, QueueCache& cache);
  // Why records waited in vain for `topic`'s metadata.
  absl::Status MissingTopicStatus(const std::string& topic) const;
  void AssignWaitingRecords(int64_t now_ms);
  void ExpireBatches(int64_t now_ms);
  void RequestProducerId(int64_t now_ms);
  void RequestMetadata(int64_t now_ms);
  // Fails at once the records waiting for a topic the Metadata `answer`
  // refuses for good (INVALID_TOPIC_EXCEPTION, TOPIC_AUTHORIZATION_FAILED),
  // with that error, and stops asking for the topic.
  void FailRefusedTopics(const std::vector<TopicMetadata>& answer);
  // Sends one Produce request to `leader`; false when no batch was ready.
  bool SendTo(int32_t leader, std::vector<std::pair<TopicPartition, PartitionQueue*>>& partitions, int64_t now_ms);
  void OnProduceResponse(int16_t version, std::vector<InFlightBatch> batches, absl::Status status, ByteSpan body);
  void HandlePartitionResult(const InFlightBatch& sent, int16_t error_code, const std::string& error_message,
                             int64_t base_offset, int64_t log_append_time_ms);
  // Runs the callbacks of a finished batch (offsets base_offset + i) and
  // returns its memory to the gate; while a Produce response is handled,
  // queues that for RunDeferredCompletions instead.
  void Complete(std::unique_ptr<ProducerBatch> batch, const TopicPartition& tp, absl::StatusOr<int64_t> base_offset,
                int64_t log_append_time_ms);
  void CompleteRecord(PendingRecord& record, const TopicPartition& tp, absl::StatusOr<int64_t> offset,
                      int64_t log_append_time_ms);
  // Runs the record's callback; the caller returns its memory to the gate.
  void Deliver(PendingRecord& record, const TopicPartition& tp, absl::StatusOr<int64_t> offset,
               int64_t log_append_time_ms);
  void ScheduleWake(int64_t wake_ms, int64_t now_ms);
  // Runs, in the order they were queued, the completions Complete and
  // CompleteRecord queued while deferring_completions_ was above zero.
  void RunDeferredCompletions();
  // The partition of a record without an explicit one: murmur2 of the key,
  // else the topic's sticky partition (moved on when the record would start
  // a new batch there).
  // The partition other than `current` (-1: none) with the fewest batches
  // queued and in flight, ties broken at random.
  int32_t LeastLoadedPartition(const std::string& topic, int32_t partition_count, int32_t current);
  int32_t ChoosePartition(const std::string& topic, std::optional<std::string_view> key, int32_t partition_count,
                          size_t record_bytes);
  absl::StatusOr<Buffer> EncodeBatch(const ProducerBatch& batch);
  PartitionQueue::SendPolicy policy() const;
  size_t TotalInFlight() const;

  ClientCore& core_;
  const ProducerConfig config_;
  ProducerGate& gate_;
  ProducerInbox& inbox_;
  absl::AnyInvocable<void()> wake_;
  const bool idempotent_;
  std::vector<OutgoingRecord> incoming_;  // TakeInbox's buffer, kept for its capacity

  std::map<TopicPartition, std::unique_ptr<PartitionQueue>> partitions_;
  // Records whose topic has no metadata yet (partition unknown), per topic.
  std::map<std::string, std::deque<std::pair<std::optional<int32_t>, PendingRecord>>> waiting_;
  std::set<std::string> topics_;
  absl::flat_hash_map<std::string, int32_t> sticky_partition_;
  // Per leader: the partition the last Produce request to it ended with.
  std::map<int32_t, TopicPartition> last_drained_;
  std::minstd_rand random_{std::random_device{}()};

  ProducerIdState producer_id_state_ = ProducerIdState::kNone;
  bool producer_id_reset_needed_ = false;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int64_t producer_id_retry_ms_ = 0;

  bool metadata_in_flight_ = false;
  absl::Status metadata_error_;  // of the last Metadata refresh; OK once one succeeds
  bool metadata_wanted_ = false;
  int64_t metadata_next_ms_ = 0;      // earliest next Metadata request (retry.backoff.ms)
  int64_t metadata_refreshed_ms_ = 0;  // last successful refresh (metadata.max.age.ms)

  // Batch buffers already copied into a request frame, for the next batches.
  // Shared with the request encoders, which may run after this Sender is
  // gone; io thread only.
  std::shared_ptr<SpareBuffers> spare_buffers_ = std::make_shared<SpareBuffers>();

  uint64_t flush_ticket_ = 0;
  io::Timer wake_timer_;
  int64_t wake_at_ms_ = INT64_MAX;
  bool draining_ = false;
  bool closing_ = false;
  // Above zero while a Produce response is handled: completions wait in
  // deferred_completions_ (in order, so a partition's callbacks still run in
  // offset order) until the next requests are on their way.
  int deferring_completions_ = 0;
  std::vector<absl::AnyInvocable<void() &&>> deferred_completions_;
};

}  // namespace cairn::client
