#include "client/partition_queue.h"

#include <algorithm>
#include <limits>

#include "common/check.h"

namespace cairn::client {
namespace {

// Whether `batch` may go out now under `policy` (its backoff aside).
bool IsReady(const ProducerBatch& batch, int64_t now_ms, const PartitionQueue::SendPolicy& policy) {
  return batch.closed || batch.attempts > 0 || now_ms - batch.created_ms >= policy.linger_ms ||
         batch.first_send_id() <= policy.flush_send_id;
}

}  // namespace

int32_t WireSequence(int64_t sequence) {
  return static_cast<int32_t>(sequence % (int64_t{std::numeric_limits<int32_t>::max()} + 1));
}

size_t EstimateRecordBytes(const std::optional<std::string>& key, const std::optional<std::string>& value,
                           const std::vector<RecordHeader>& headers) {
  // length, attributes, timestamp and offset deltas, key and value lengths,
  // header count: at most 21 bytes of varints in practice.
  size_t bytes = 21 + (key ? key->size() : 0) + (value ? value->size() : 0);
  for (const RecordHeader& header : headers) bytes += 10 + header.key.size() + (header.value ? header.value->size() : 0);
  return bytes;
}

void PartitionQueue::Append(PendingRecord record, size_t record_bytes, size_t batch_size, int64_t created_ms) {
  if (WouldStartBatch(record_bytes, batch_size)) {
    if (has_open_batch()) queued_.back()->closed = true;
    auto batch = std::make_unique<ProducerBatch>();
    batch->created_ms = created_ms;
    queued_.push_back(std::move(batch));
  }
  ProducerBatch& batch = *queued_.back();
  batch.size_bytes += record_bytes;
  batch.records.push_back(std::move(record));
  if (batch.size_bytes >= batch_size) batch.closed = true;
}

ProducerBatch* PartitionQueue::NextToSend(int64_t now_ms, const SendPolicy& policy) {
  if (draining_for_retry_) {
    if (!in_flight_.empty()) return nullptr;
    draining_for_retry_ = false;
  }
  if (queued_.empty() || in_flight_.size() >= static_cast<size_t>(policy.max_in_flight)) return nullptr;
  ProducerBatch& head = *queued_.front();
  if (!IsReady(head, now_ms, policy) || head.retry_after_ms > now_ms) return nullptr;
  std::unique_ptr<ProducerBatch> batch = std::move(queued_.front());
  queued_.pop_front();
  batch->closed = true;
  if (policy.idempotent && batch->base_sequence < 0) {
    batch->base_sequence = next_sequence_;
    next_sequence_ += batch->record_count();
  }
  batch->sent_sequence = batch->base_sequence;
  ++batch->attempts;
  in_flight_.push_back(std::move(batch));
  return in_flight_.back().get();
}

std::unique_ptr<ProducerBatch> PartitionQueue::TakeInFlight(ProducerBatch* batch) {
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](const auto& b) { return b.get() == batch; });
  CAIRN_CHECK(it != in_flight_.end()) << "batch is not in flight";
  std::unique_ptr<ProducerBatch> taken = std::move(*it);
  in_flight_.erase(it);
  return taken;
}

std::unique_ptr<ProducerBatch> PartitionQueue::OnAcknowledged(ProducerBatch* batch) { return TakeInFlight(batch); }

void PartitionQueue::OnRetriable(ProducerBatch* batch, int64_t retry_after_ms) {
  std::unique_ptr<ProducerBatch> taken = TakeInFlight(batch);
  taken->retry_after_ms = retry_after_ms;
  // Sequenced batches stay ahead of unsequenced ones, in sequence order;
  // without idempotence (no sequences) the retry simply goes first.
  auto position = std::find_if(queued_.begin(), queued_.end(), [&](const auto& b) {
    return b->base_sequence < 0 || (taken->base_sequence >= 0 && b->base_sequence > taken->base_sequence);
  });
  queued_.insert(position, std::move(taken));
  draining_for_retry_ = true;
}

std::unique_ptr<ProducerBatch> PartitionQueue::OnFailed(ProducerBatch* batch) {
  std::unique_ptr<ProducerBatch> taken = TakeInFlight(batch);
  if (taken->base_sequence >= 0) {
    const int32_t gap = taken->record_count();
    auto shift = [&](ProducerBatch& b) {
      if (b.base_sequence > taken->base_sequence) b.base_sequence -= gap;
    };
    for (auto& b : queued_) shift(*b);
    for (auto& b : in_flight_) shift(*b);
    next_sequence_ -= gap;
    // Batches sent after the failed one will come back out of order; resend
    // them in order with their new sequences.
    if (!in_flight_.empty()) draining_for_retry_ = true;
  }
  return taken;
}

bool PartitionQueue::IsFirstUnacknowledged(const ProducerBatch* batch) const {
  auto lower = [&](const auto& b) {
    return b.get() != batch && b->base_sequence >= 0 && b->base_sequence < batch->base_sequence;
  };
  return std::none_of(queued_.begin(), queued_.end(), lower) &&
         std::none_of(in_flight_.begin(), in_flight_.end(), lower);
}

bool PartitionQueue::OutOfOrderIsRetriable(const ProducerBatch* batch) const {
  return batch->base_sequence != batch->sent_sequence || !IsFirstUnacknowledged(batch);
}

std::vector<std::unique_ptr<ProducerBatch>> PartitionQueue::Expire(int64_t now_ms, int64_t delivery_timeout_ms) {
  // Oldest first (see queued_), so the expired ones are a prefix: this runs
  // at every drain and must not walk a long queue.
  std::vector<std::unique_ptr<ProducerBatch>> expired;
  while (!queued_.empty() && now_ms - queued_.front()->created_ms >= delivery_timeout_ms) {
    expired.push_back(std::move(queued_.front()));
    queued_.pop_front();
  }
  return expired;
}

void PartitionQueue::ResetSequences(int64_t first) {
  CAIRN_CHECK(in_flight_.empty());
  next_sequence_ = first;
  for (auto& batch : queued_) batch->base_sequence = -1;
  draining_for_retry_ = false;
}

std::vector<std::unique_ptr<ProducerBatch>> PartitionQueue::TakeAll() {
  std::vector<std::unique_ptr<ProducerBatch>> all;
  for (auto& b : in_flight_) all.push_back(std::move(b));
  for (auto& b : queued_) all.push_back(std::move(b));
  in_flight_.clear();
  queued_.clear();
  return all;
}

std::vector<std::unique_ptr<ProducerBatch>> PartitionQueue::TakeQueued() {
  std::vector<std::unique_ptr<ProducerBatch>> queued;
  for (auto& b : queued_) queued.push_back(std::move(b));
  queued_.clear();
  return queued;
}

std::optional<int64_t> PartitionQueue::NextWakeMs(const SendPolicy& policy, int64_t delivery_timeout_ms) const {
  if (queued_.empty()) return std::nullopt;
  const ProducerBatch& head = *queued_.front();
  const int64_t ready = head.attempts > 0 ? head.retry_after_ms : head.created_ms + policy.linger_ms;
  return std::min(ready, head.created_ms + delivery_timeout_ms);  // the head is the oldest
}

}  // namespace cairn::client
