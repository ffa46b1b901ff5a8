#include "client/fetch_planner.h"

#include <algorithm>

namespace cairn::client {

size_t PrefetchThresholdBytes(const FetchLimits& limits, size_t fetchable_partitions) {
  const size_t share = limits.max_buffered_bytes / std::max<size_t>(fetchable_partitions, 1);
  return std::max(share, static_cast<size_t>(std::max(limits.partition_max_bytes, 1)));
}

FetchPlan PlanFetches(const ConsumerAssignment& assignment, const FetchBuffer& buffer,
                      const std::set<int32_t>& nodes_in_flight,
                      const std::function<int32_t(const TopicPartition&)>& leader_of, const FetchLimits& limits) {
  FetchPlan plan;
  if (buffer.bytes() >= limits.max_buffered_bytes) return plan;
  const std::vector<TopicPartition> fetchable = assignment.Fetchable();
  const size_t prefetch_below = PrefetchThresholdBytes(limits, fetchable.size());
  std::set<int32_t> holding_back;     // nodes with a partition waiting for Poll to drain it
  std::set<int32_t> may_have_data;    // nodes whose planned fetch has a partition not known caught up
  for (const TopicPartition& tp : fetchable) {
    const int32_t leader = leader_of(tp);
    if (leader < 0) {
      plan.leaderless.push_back(tp);
      continue;
    }
    if (nodes_in_flight.count(leader) != 0) continue;
    const ConsumerAssignment::Partition* p = assignment.Find(tp);
    int64_t fetch_offset = p->position;
    if (buffer.Has(tp)) {
      fetch_offset = buffer.PrefetchOffset(tp);
      if (fetch_offset < 0 || buffer.BytesOf(tp) >= prefetch_below) {
        holding_back.insert(leader);
        continue;
      }
    }
    if (p->high_watermark < 0 || fetch_offset < p->high_watermark) may_have_data.insert(leader);
    plan.by_node[leader].push_back({tp, fetch_offset, p->epoch});
  }
  for (int32_t node : holding_back) {
    if (may_have_data.count(node) == 0) plan.by_node.erase(node);  // would only long-poll; see the header
  }
  return plan;
}

}  // namespace cairn::client
