#include "client/group/range_assignor.h"

#include <algorithm>

namespace cairn::client::group {

GroupAssignment RangeAssignor::Assign(const PartitionCounts& partitions,
                                      const std::vector<MemberSubscription>& members) const {
  GroupAssignment out;
  std::vector<MemberSubscription> sorted = members;
  std::sort(sorted.begin(), sorted.end(), MemberOrder);
  for (const MemberSubscription& m : sorted) out[m.member_id];

  for (const auto& [topic, count] : partitions) {
    if (count <= 0) continue;
    std::vector<const MemberSubscription*> subscribers;
    for (const MemberSubscription& m : sorted) {
      const auto& topics = m.subscription.topics;
      if (std::find(topics.begin(), topics.end(), topic) != topics.end()) subscribers.push_back(&m);
    }
    if (subscribers.empty()) continue;
    const int32_t n = static_cast<int32_t>(subscribers.size());
    const int32_t per_member = count / n;
    const int32_t extra = count % n;  // the first `extra` members get one more
    for (int32_t i = 0; i < n; ++i) {
      const int32_t start = i * per_member + std::min(i, extra);
      const int32_t length = per_member + (i < extra ? 1 : 0);
      auto& list = out[subscribers[static_cast<size_t>(i)]->member_id];
      for (int32_t p = start; p < start + length; ++p) list.push_back({topic, p});
    }
  }
  for (auto& [member, list] : out) std::sort(list.begin(), list.end());
  return out;
}

}  // namespace cairn::client::group
