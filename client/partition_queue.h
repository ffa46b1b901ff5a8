// The batches of one partition on their way to the broker, and the
// idempotent-producer rules that keep them in order (DESIGN.md §6, KIP-98):
// sequences are given out at first send in queue order; at most N batches are
// in flight; a batch that fails with a retriable error goes back to the head
// of the queue with its sequence, and nothing new is sent until every batch
// in flight has answered, so the retry is resent strictly in sequence order.
//
// Pure logic, no I/O and no clock: times are passed in. Threading: one thread
// (the producer's io thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "client/producer_types.h"
#include "client/record_arena.h"

namespace cairn::client {

struct PendingRecord {
  // The key and value are either copied into the producer's arena (small
  // records, client/record_arena.h) or kept in these strings; read them
  // through Key() and Value().
  std::optional<std::string> key;
  std::optional<std::string> value;
  ArenaBytes copied;
  std::vector<RecordHeader> headers;
  int64_t timestamp_ms = 0;
  int64_t enqueued_ms = 0;      // steady clock, for delivery.timeout.ms before a batch exists
  uint64_t send_id = 0;         // the ProducerGate ticket (Flush, buffer.memory)
  size_t reserved_bytes = 0;    // what the record holds of buffer.memory
  DeliveryCallback done;

  std::optional<std::string_view> Key() const { return copied.empty() ? AsView(key) : copied.key(); }
  std::optional<std::string_view> Value() const { return copied.empty() ? AsView(value) : copied.value(); }

 private:
  static std::optional<std::string_view> AsView(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    return std::string_view(*s);
  }
};

struct ProducerBatch {
  std::vector<PendingRecord> records;
  size_t size_bytes = 0;     // estimated encoded size, before compression
  int64_t created_ms = 0;
  // Counted without wrapping, so that order comparisons and gap shifts hold
  // across Kafka's wrap from INT32_MAX to 0; WireSequence gives what the
  // batch header carries. -1 until first sent (or after a producer id reset).
  int64_t base_sequence = -1;
  // The base_sequence its last send carried (-1: never sent). It differs
  // from base_sequence once a batch before it failed for good while it was
  // in flight, moving its sequence down (OnFailed).
  int64_t sent_sequence = -1;
  int attempts = 0;
  int64_t retry_after_ms = 0;
  absl::Status last_error;  // why the last attempt is being retried, for delivery.timeout.ms's error
  bool closed = false;  // takes no more records (full, or sent once)

  int32_t record_count() const { return static_cast<int32_t>(records.size()); }
  uint64_t first_send_id() const { return records.front().send_id; }
};

// The sequence a batch header carries for an unwrapped one: Kafka's
// sequences run from 0 to INT32_MAX and then start again at 0.
int32_t WireSequence(int64_t sequence);

// Estimated bytes of one record inside a batch (the v2 record framing plus
// its data), for batch.size and buffer.memory.
size_t EstimateRecordBytes(const std::optional<std::string>& key, const std::optional<std::string>& value,
                           const std::vector<RecordHeader>& headers);

class PartitionQueue {
 public:
  struct SendPolicy {
    int64_t linger_ms = 0;
    int max_in_flight = 5;
    bool idempotent = true;
    uint64_t flush_send_id = 0;  // batches whose first record is at or below this go now
  };

  // Adds a record to the open batch if it fits within `batch_size` bytes;
  // otherwise closes that batch and starts a new one with it (as the Java
  // client's RecordAccumulator does). A batch that reaches batch_size takes
  // no more records, so a record larger than batch_size is alone in its
  // batch: the broker may refuse it (MESSAGE_TOO_LARGE) without the records
  // around it.
  // A new batch's linger.ms and delivery.timeout.ms count from `created_ms`
  // (the Sender passes its first record's Send time, as the Java client
  // does: the record may reach the io thread up to linger.ms later).
  void Append(PendingRecord record, size_t record_bytes, size_t batch_size, int64_t created_ms);

  // The next batch to send, moved to the in-flight list (and given its
  // sequence when idempotent), or nullptr: nothing ready, the in-flight limit
  // reached, or a retry waiting for the batches still in flight.
  ProducerBatch* NextToSend(int64_t now_ms, const SendPolicy& policy);

  // The outcome of an in-flight batch. Each removes it from the in-flight list.
  std::unique_ptr<ProducerBatch> OnAcknowledged(ProducerBatch* batch);
  // Requeues in sequence order, to be resent after `retry_after_ms`.
  void OnRetriable(ProducerBatch* batch, int64_t retry_after_ms);
  // Gives up on the batch. The broker never appended it, so later sequences
  // move down by its record count to close the gap.
  std::unique_ptr<ProducerBatch> OnFailed(ProducerBatch* batch);

  // Whether no other batch of this partition holds a lower sequence: an
  // OUT_OF_ORDER_SEQUENCE_NUMBER for the first unacknowledged batch means the
  // broker lost track of us; for a later one, an earlier batch is being retried.
  bool IsFirstUnacknowledged(const ProducerBatch* batch) const;
  // Whether OUT_OF_ORDER_SEQUENCE_NUMBER for in-flight `batch` only means it
  // went out with a sequence that is no longer its own, so it is to be
  // resent: a batch before it is being retried (it is not the first
  // unacknowledged), or one failed for good after it was sent and moved its
  // sequence down (the Java client's sequenceHasBeenReset). Otherwise the
  // broker lost track of the producer.
  bool OutOfOrderIsRetriable(const ProducerBatch* batch) const;

  // Removes queued (not in flight) batches created `delivery_timeout_ms` ago
  // or earlier.
  std::vector<std::unique_ptr<ProducerBatch>> Expire(int64_t now_ms, int64_t delivery_timeout_ms);
  // After a new producer id: sequences restart at `first` (0; tests start
  // near the wrap). Call with nothing in flight.
  void ResetSequences(int64_t first = 0);
  // Everything still held, queued and in flight (for shutdown).
  std::vector<std::unique_ptr<ProducerBatch>> TakeAll();
  // The queued batches only, leaving those in flight (a Close that does not
  // wait for their answers).
  std::vector<std::unique_ptr<ProducerBatch>> TakeQueued();

  // When this queue next needs attention (a linger or a retry backoff ends,
  // a batch expires); nullopt when it holds nothing waiting on time.
  std::optional<int64_t> NextWakeMs(const SendPolicy& policy, int64_t delivery_timeout_ms) const;

  size_t in_flight() const { return in_flight_.size(); }
  size_t queued() const { return queued_.size(); }
  bool empty() const { return queued_.empty() && in_flight_.empty(); }
  int64_t next_sequence() const { return next_sequence_; }
  // Whether the open batch (the last queued one) still takes records.
  bool has_open_batch() const { return !queued_.empty() && !queued_.back()->closed; }
  // Whether Append(record of `record_bytes`) would start a new batch: no
  // open batch, or the open one cannot take it within `batch_size`.
  bool WouldStartBatch(size_t record_bytes, size_t batch_size) const {
    return !has_open_batch() || queued_.back()->size_bytes + record_bytes > batch_size;
  }

 private:
  std::unique_ptr<ProducerBatch> TakeInFlight(ProducerBatch* batch);

  // Sequenced first, in sequence order. Also oldest first: batches are
  // created at the back, and a retried batch goes back ahead of every batch
  // created after it.
  std::deque<std::unique_ptr<ProducerBatch>> queued_;
  std::deque<std::unique_ptr<ProducerBatch>> in_flight_;
  int64_t next_sequence_ = 0;
  bool draining_for_retry_ = false;
};

}  // namespace cairn::client
