// The group coordinator on one shard, wired to the broker (DESIGN.md §7): it
// holds the groups of the __consumer_offsets partitions this shard owns,
// stores their records in those partitions (through the same append path as
// Produce, so durable before acknowledged), rebuilds them by replaying the
// partitions, and runs the coordinator's timeouts on the shard's timers.
//
// Group requests reach it through CallCoordinator (broker/group_routing.h),
// which runs them on this shard whichever shard the client is on.
#pragma once

#include <memory>
#include <set>

#include "broker/group/group_coordinator.h"
#include "io/timer.h"

namespace cairn::broker {

class ShardContext;

inline constexpr const char* kConsumerOffsetsTopic = "__consumer_offsets";

class GroupService {
 public:
  explicit GroupService(ShardContext& shard);
  ~GroupService();

  // On the shard: loads every owned partition of __consumer_offsets that
  // exists, then starts the timers.
  void Start();
  // On the shard, before its logs close.
  void Stop();
  // On the shard, once the node's listeners are open: members get a full
  // session from now (see GroupCoordinator::RestartSessions).
  void OnServing() { coordinator_->RestartSessions(); }

  group::GroupCoordinator& coordinator() { return *coordinator_; }

  // On the shard, once the image without them is served: the groups held
  // here forget their offsets on these topics.
  void OnTopicsDeleted(const std::set<std::string>& topics) {
    if (!stopped_) coordinator_->RemoveOffsetsOfTopics(topics);
  }

  // Loads the partition of `group_id` if it exists, belongs to this shard
  // and is not loaded yet (after the topic was created, the first request
  // for one of its groups loads it).
  void EnsureLoaded(const std::string& group_id);

 private:
  void LoadPartition(int32_t partition);
  void ScheduleTick();
  void ScheduleExpiry();
  void Persist(int32_t partition, std::vector<group::OffsetsRecord> records,
               absl::AnyInvocable<void(absl::Status) &&> done);

  ShardContext& shard_;
  std::unique_ptr<group::GroupCoordinator> coordinator_;
  io::Timer tick_timer_;
  io::Timer expiry_timer_;
  bool stopped_ = false;
};

// The partition count of __consumer_offsets: the topic's if it exists (a
// changed config must not move existing groups), else the configured one.
int32_t OffsetsTopicPartitions(const ShardContext& shard);

}  // namespace cairn::broker
