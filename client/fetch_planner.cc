#include "client/fetch_planner.h"

namespace cairn::client {

FetchPlan PlanFetches(const ConsumerAssignment& assignment, const FetchBuffer& buffer,
                      const std::set<int32_t>& nodes_in_flight,
                      const std::function<int32_t(const TopicPartition&)>& leader_of, const FetchLimits& limits) {
  FetchPlan plan;
  if (buffer.bytes() >= limits.max_buffered_bytes) return plan;
  for (const TopicPartition& tp : assignment.Fetchable()) {
    if (buffer.Has(tp)) continue;  // returned by Poll first; then fetched again
    const int32_t leader = leader_of(tp);
    if (leader < 0) {
      plan.leaderless.push_back(tp);
      continue;
    }
    if (nodes_in_flight.count(leader) != 0) continue;
    const ConsumerAssignment::Partition* p = assignment.Find(tp);
    plan.by_node[leader].push_back({tp, p->position, p->epoch});
  }
  return plan;
}

}  // namespace cairn::client
