// Records fetched but not yet returned by Poll, per partition, with the bytes
// they take. A partition's entry may grow by a prefetch: a fetch made at the
// entry's next_offset while its records wait for Poll (Append), so the next
// records are on their way while the application handles these. The
// planner (fetch_planner.h) only prefetches while a partition holds less
// than max.partition.fetch.bytes here and sends nothing while bytes() is over
// its cap, so memory stays bounded by the cap plus one fetch.max.bytes.
// Pure: the caller passes the assignment whose positions it moves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "client/consumer.h"
#include "client/consumer_assignment.h"
#include "client/fetch_records.h"

namespace cairn::client {

class FetchBuffer {
 public:
  // Keeps the records of a completed fetch made at `fetch_offset` for
  // position epoch `epoch` (ConsumerAssignment::Partition::epoch), replacing
  // what the partition held.
  void Add(const TopicPartition& tp, int64_t fetch_offset, uint64_t epoch, FetchedRecords fetched);
  // Whether a fetch made at `fetch_offset` for `epoch` continues the
  // partition's entry exactly (a prefetch): Append may take its records.
  bool Continues(const TopicPartition& tp, int64_t fetch_offset, uint64_t epoch) const;
  // Adds a prefetch's records after the entry's (Continues must hold).
  void Append(const TopicPartition& tp, FetchedRecords fetched);
  // Where a prefetch of the partition starts (the entry's next_offset), or -1
  // without an entry or after StopPrefetch.
  int64_t PrefetchOffset(const TopicPartition& tp) const;
  // No more prefetches for the entry (a prefetch failed, e.g. out of range):
  // the partition is fetched again from its position once drained.
  void StopPrefetch(const TopicPartition& tp);

  // Up to `max_records` records, oldest first per partition, rotating over
  // partitions so that one busy partition does not starve the others. Moves
  // each partition's position past what it returns. Entries whose partition
  // was unassigned, seeked (epoch or position changed) or is revoking are
  // dropped; paused partitions keep theirs.
  std::vector<ConsumerRecord> Drain(ConsumerAssignment& assignment, size_t max_records);

  void Drop(const TopicPartition& tp);
  void Clear();
  bool Has(const TopicPartition& tp) const { return entries_.count(tp) != 0; }
  size_t bytes() const { return bytes_; }
  // Bytes held for one partition (0 without an entry).
  size_t BytesOf(const TopicPartition& tp) const;
  size_t records() const;

 private:
  struct Entry {
    int64_t expected_position = 0;  // the position the next record follows
    uint64_t epoch = 0;
    int64_t next_offset = 0;  // after the last fetched batch: where a prefetch starts
    std::deque<ConsumerRecord> records;
    size_t bytes = 0;
    bool prefetch = true;  // false after StopPrefetch
  };
  std::map<TopicPartition, Entry> entries_;
  size_t bytes_ = 0;
  TopicPartition last_drained_;  // rotation point
};

}  // namespace cairn::client
