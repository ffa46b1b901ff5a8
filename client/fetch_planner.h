// Decides which Fetch requests to send now: one per leader broker with no
// fetch in flight (at most one outstanding fetch per broker, as in the Java
// client), covering the fetchable partitions it leads that have nothing
// buffered. Pure.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "client/consumer_assignment.h"
#include "client/fetch_buffer.h"

namespace cairn::client {

struct FetchLimits {
  int32_t max_wait_ms = 500;
  int32_t min_bytes = 1;
  int32_t max_bytes = 52428800;            // fetch.max.bytes, per request
  int32_t partition_max_bytes = 1048576;   // max.partition.fetch.bytes
  size_t max_buffered_bytes = 64 << 20;    // no fetch at all while the buffer holds more
};

struct PlannedPartition {
  TopicPartition tp;
  int64_t fetch_offset = 0;
  uint64_t epoch = 0;
  bool operator==(const PlannedPartition&) const = default;
};

struct FetchPlan {
  std::map<int32_t, std::vector<PlannedPartition>> by_node;  // leader -> partitions
  std::vector<TopicPartition> leaderless;                    // need a metadata refresh
};

// `leader_of` gives a partition's leader or -1.
FetchPlan PlanFetches(const ConsumerAssignment& assignment, const FetchBuffer& buffer,
                      const std::set<int32_t>& nodes_in_flight,
                      const std::function<int32_t(const TopicPartition&)>& leader_of, const FetchLimits& limits);

}  // namespace cairn::client
