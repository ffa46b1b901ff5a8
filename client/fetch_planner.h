// Decides which Fetch requests to send now: one per leader broker with no
// fetch in flight (at most one outstanding fetch per broker, as in the Java
// client and librdkafka), covering the fetchable partitions it leads:
//
// - a partition with nothing buffered is fetched from its position;
// - one whose buffered records take less than its share of the buffer
//   (PrefetchThresholdBytes) is prefetched from where its buffered records
//   end, unless prefetching stopped for it: as with librdkafka's queues, the
//   next records travel while the application handles the current ones, and
//   every partition keeps riding in each fetch, so a fetch carries up to
//   max.partition.fetch.bytes of every busy partition;
// - one buffering more is held back until Poll drains it below that.
//
// Memory: no fetch is planned while the buffer holds max_buffered_bytes, so
// it never holds more than that plus one fetch.max.bytes.
//
// A broker long-polls (fetch.max.wait.ms) a fetch in which no partition has
// data, and it answers a connection's requests in order, so such a fetch
// would keep a held-back partition from being fetched again until the wait
// ends (head-of-line blocking: one busy partition next to idle ones read at
// one fetch per fetch.max.wait.ms). A fetch is therefore not sent while a
// partition of the broker is held back and every partition it would carry is
// known to be caught up (fetch offset at the high watermark): Poll sends it,
// together with the held-back partition, once that one has drained. Pure.
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

// How many buffered bytes a partition may hold and still be prefetched: an
// equal share of max_buffered_bytes among the fetchable partitions, and at
// least max.partition.fetch.bytes.
size_t PrefetchThresholdBytes(const FetchLimits& limits, size_t fetchable_partitions);

// `leader_of` gives a partition's leader or -1.
FetchPlan PlanFetches(const ConsumerAssignment& assignment, const FetchBuffer& buffer,
                      const std::set<int32_t>& nodes_in_flight,
                      const std::function<int32_t(const TopicPartition&)>& leader_of, const FetchLimits& limits);

}  // namespace cairn::client
