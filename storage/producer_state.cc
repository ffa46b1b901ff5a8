#include "storage/producer_state.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "common/error_reason.h"

namespace cairn::storage {
namespace {

// Sequences wrap from INT32_MAX to 0, as in Kafka.
int32_t AddSequence(int32_t sequence, int64_t increment) {
  const int64_t next = (static_cast<int64_t>(sequence) + increment) % (int64_t{std::numeric_limits<int32_t>::max()} + 1);
  return static_cast<int32_t>(next);
}

int32_t LastSequence(const RecordBatchHeader& batch) {
  return AddSequence(batch.base_sequence, batch.last_offset_delta);
}

}  // namespace

absl::StatusOr<std::optional<ProducerStateManager::BatchMetadata>> ProducerStateManager::Check(
    const RecordBatchHeader& batch) const {
  auto it = producers_.find(batch.producer_id);
  if (it == producers_.end()) {
    if (batch.base_sequence == 0) return std::nullopt;
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "unknown producer id ", batch.producer_id, " with sequence ", batch.base_sequence,
                          " (a new producer starts at 0)")),
                      ErrorReason::kUnknownProducerId);
  }
  const Producer& producer = it->second;
  if (batch.producer_epoch < producer.epoch) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat("producer ", batch.producer_id, " epoch ",
                                                                 batch.producer_epoch, " is older than epoch ",
                                                                 producer.epoch)),
                      ErrorReason::kInvalidProducerEpoch);
  }
  if (batch.producer_epoch > producer.epoch || producer.batches.empty()) {
    if (batch.base_sequence == 0) return std::nullopt;
    return WithReason(absl::FailedPreconditionError(absl::StrCat("producer ", batch.producer_id, " new epoch ",
                                                                 batch.producer_epoch, " must start at sequence 0, not ",
                                                                 batch.base_sequence)),
                      ErrorReason::kOutOfOrderSequence);
  }
  const int32_t last = LastSequence(batch);
  for (const BatchMetadata& cached : producer.batches) {
    if (cached.first_sequence == batch.base_sequence && cached.last_sequence == last) return cached;
  }
  const int32_t expected = AddSequence(producer.batches.back().last_sequence, 1);
  if (batch.base_sequence != expected) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat("producer ", batch.producer_id,
                                                                 ": out of order sequence ", batch.base_sequence,
                                                                 ", expected ", expected)),
                      ErrorReason::kOutOfOrderSequence);
  }
  return std::nullopt;
}

void ProducerStateManager::Update(const RecordBatchHeader& batch) {
  if (batch.producer_id < 0) return;
  Producer& producer = producers_[batch.producer_id];
  if (batch.producer_epoch > producer.epoch) {
    producer.epoch = batch.producer_epoch;
    producer.batches.clear();
  }
  producer.batches.push_back({batch.base_sequence, LastSequence(batch), batch.base_offset, batch.last_offset()});
  while (producer.batches.size() > kMaxBatchesPerProducer) producer.batches.pop_front();
  producer.last_offset = batch.last_offset();
  if (producers_.size() > kMaxProducers) {
    auto oldest = producers_.begin();
    for (auto it = producers_.begin(); it != producers_.end(); ++it) {
      if (it->second.last_offset < oldest->second.last_offset) oldest = it;
    }
    producers_.erase(oldest);
  }
}

std::vector<CheckpointEntry> ProducerStateManager::Encode() const {
  std::vector<CheckpointEntry> entries;
  for (const auto& [id, producer] : producers_) {
    for (const BatchMetadata& b : producer.batches) {
      entries.push_back({id, producer.epoch, b.first_sequence, b.last_sequence, b.first_offset, b.last_offset});
    }
  }
  return entries;
}

absl::StatusOr<ProducerStateManager> ProducerStateManager::Decode(const std::vector<CheckpointEntry>& entries) {
  ProducerStateManager state;
  for (const CheckpointEntry& e : entries) {
    if (e.size() != 6 || e[0] < 0 || e[1] < 0 || e[1] > std::numeric_limits<int16_t>::max() || e[4] > e[5]) {
      return absl::DataLossError("malformed producer state entry");
    }
    RecordBatchHeader batch;
    batch.producer_id = e[0];
    batch.producer_epoch = static_cast<int16_t>(e[1]);
    batch.base_sequence = static_cast<int32_t>(e[2]);
    batch.base_offset = e[4];
    batch.last_offset_delta = static_cast<int32_t>(e[5] - e[4]);
    state.Update(batch);
  }
  return state;
}

}  // namespace cairn::storage
