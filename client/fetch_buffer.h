// Records fetched but not yet returned by Poll, per partition, with the bytes
// they take. The consumer sends no new fetch for a partition that still has
// records here and none at all while bytes() is over its cap, so memory stays
// bounded by roughly one fetch.max.bytes on top of the cap.
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
  // position epoch `epoch` (ConsumerAssignment::Partition::epoch).
  void Add(const TopicPartition& tp, int64_t fetch_offset, uint64_t epoch, FetchedRecords fetched);

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
  size_t records() const;

 private:
  struct Entry {
    int64_t expected_position = 0;  // the position the next record follows
    uint64_t epoch = 0;
    int64_t next_offset = 0;
    std::deque<ConsumerRecord> records;
    size_t bytes = 0;
  };
  std::map<TopicPartition, Entry> entries_;
  size_t bytes_ = 0;
  TopicPartition last_drained_;  // rotation point
};

}  // namespace cairn::client
