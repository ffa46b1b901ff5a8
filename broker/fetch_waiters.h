// Fetches parked on a partition until new data becomes readable (Kafka's
// long poll: max.wait.ms, min.bytes). Lives on the shard that owns the
// partitions; a wake-up is a task posted back to the fetch's shard. Bounded:
// each partition keeps at most kMaxWaitersPerPartition; older ones are dropped
// and simply wait for their timer.
#pragma once

#include <deque>
#include <map>

#include "absl/functional/any_invocable.h"
#include "common/topic_partition.h"

namespace cairn::broker {

class FetchWaiters {
 public:
  static constexpr size_t kMaxWaitersPerPartition = 4096;
  using Wake = absl::AnyInvocable<void() &&>;

  // `wake` runs (on this shard) once data past the current end is readable.
  void Watch(const TopicPartition& tp, Wake wake);
  // Data became readable on `tp`: wakes and forgets every waiter.
  void Notify(const TopicPartition& tp);
  size_t size() const;

 private:
  std::map<TopicPartition, std::deque<Wake>> waiters_;
};

}  // namespace cairn::broker
