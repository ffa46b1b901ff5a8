// Idempotent-producer state of one partition (DESIGN.md §6): per producer id,
// its epoch and the metadata of its last 5 batches. It decides whether a
// producer batch is new (append it), a retry of one of those 5 (answer with
// its original offsets, append nothing), or out of order / fenced (error).
// Derived from the log: rebuilt by replaying batch headers, and snapshotted
// at a clean close so restarts need not replay everything.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/record_batch.h"
#include "storage/checkpoint_file.h"

namespace cairn::storage {

class ProducerStateManager {
 public:
  static constexpr size_t kMaxBatchesPerProducer = 5;
  // Beyond this many producers the least recently active ones are forgotten
  // (their next batch then needs sequence 0, as after Kafka's expiry).
  static constexpr size_t kMaxProducers = 100'000;

  struct BatchMetadata {
    int32_t first_sequence;
    int32_t last_sequence;
    int64_t first_offset;
    int64_t last_offset;
    bool operator==(const BatchMetadata&) const = default;
  };
  struct Producer {
    int16_t epoch = -1;
    std::deque<BatchMetadata> batches;  // oldest first, at most 5
    int64_t last_offset = -1;           // recency, for eviction
  };

  // For a producer batch (producerId >= 0) about to be appended: nullopt if
  // it is new and in sequence, the original batch if it is a retry of one of
  // the last 5, or an error: InvalidProducerEpoch for an older epoch,
  // OutOfOrderSequence for a gap, UnknownProducerId for a first batch of an
  // unknown producer that does not start at sequence 0.
  absl::StatusOr<std::optional<BatchMetadata>> Check(const RecordBatchHeader& batch) const;
  // Records an appended batch (its offsets assigned). Replay uses it too.
  void Update(const RecordBatchHeader& batch);
  void Clear() { producers_.clear(); }
  const std::map<int64_t, Producer>& producers() const { return producers_; }

  // Snapshot as checkpoint entries: one per batch,
  // "producerId epoch firstSeq lastSeq firstOffset lastOffset".
  std::vector<CheckpointEntry> Encode() const;
  static absl::StatusOr<ProducerStateManager> Decode(const std::vector<CheckpointEntry>& entries);

 private:
  std::map<int64_t, Producer> producers_;
};

}  // namespace cairn::storage
