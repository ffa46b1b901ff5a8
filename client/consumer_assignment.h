// The consumer's per-partition bookkeeping (the Java client's
// SubscriptionState): which partitions are assigned, where each one reads
// next, whether it is paused, and what has to happen before it can be
// fetched (committed offset lookup, offset reset, revocation in progress).
// Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/topic_partition.h"

namespace cairn::client {

class ConsumerAssignment {
 public:
  // What a partition waits for before it can be fetched.
  enum class Phase {
    kNeedsCommitted,  // OffsetFetch of the group's committed offset
    kNeedsReset,      // ListOffsets for reset_timestamp (earliest/latest/a time)
    kFetchable,       // position known
    kAwaitingSeek,    // no valid offset and auto.offset.reset=none: only a Seek helps
  };
  // ListOffsets timestamps with special meaning (Kafka protocol).
  static constexpr int64_t kLatestTimestamp = -1;
  static constexpr int64_t kEarliestTimestamp = -2;

  struct Partition {
    Phase phase = Phase::kNeedsCommitted;
    int64_t position = -1;         // next offset to return; valid in kFetchable
    int64_t reset_timestamp = kLatestTimestamp;  // for kNeedsReset
    bool paused = false;
    bool revoking = false;         // handed to the application's OnRevoked / OnLost; not fetched
    bool lookup_in_flight = false; // OffsetFetch or ListOffsets out for it
    // Bumped at every position change made by the application or a reset,
    // so answers computed for an older position are recognised and dropped.
    uint64_t epoch = 0;
    int64_t high_watermark = -1;
  };

  // Adds partitions (keeping the state of ones already assigned) in `phase`.
  void Add(const std::vector<TopicPartition>& partitions, Phase phase, int64_t reset_timestamp = kLatestTimestamp);
  void Remove(const std::vector<TopicPartition>& partitions);
  void Clear() { partitions_.clear(); }

  bool Contains(const TopicPartition& tp) const { return partitions_.count(tp) != 0; }
  Partition* Find(const TopicPartition& tp);
  const Partition* Find(const TopicPartition& tp) const;

  // An explicit position (Seek, a committed offset, a reset's answer).
  void SetPosition(const TopicPartition& tp, int64_t offset);
  // Asks for a ListOffsets lookup with `timestamp` (kEarliestTimestamp...).
  void RequestReset(const TopicPartition& tp, int64_t timestamp);
  // Advances the position as records are handed out; does not bump epoch
  // (a fetch for the new position is exactly what comes next).
  void Advance(const TopicPartition& tp, int64_t next_offset);

  // Partitions whose records may be fetched now: fetchable, not paused, not revoking.
  std::vector<TopicPartition> Fetchable() const;
  // Partitions in `phase` with no lookup in flight.
  std::vector<TopicPartition> Waiting(Phase phase) const;

  std::vector<TopicPartition> All() const;
  const std::map<TopicPartition, Partition>& partitions() const { return partitions_; }

 private:
  std::map<TopicPartition, Partition> partitions_;
};

}  // namespace cairn::client
