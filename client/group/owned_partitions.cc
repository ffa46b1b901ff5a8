#include "client/group/owned_partitions.h"

#include <algorithm>
#include <set>

namespace cairn::client::group {

std::optional<int32_t> ReportedGeneration(const Subscription& subscription) {
  if (subscription.generation_id >= 0) return subscription.generation_id;
  if (!subscription.user_data) return std::nullopt;
  // Java reads the user data as a one-field struct and falls back to the
  // default generation (-1) when that fails.
  if (subscription.user_data->size() < 4) return -1;
  return LoadBigEndian<int32_t>(subscription.user_data->data());
}

std::optional<Buffer> GenerationUserData(int32_t generation) {
  if (generation < 0) return std::nullopt;
  Buffer out;
  AppendBigEndian(out, generation);
  return out;
}

std::map<std::string, std::vector<TopicPartition>> ValidOwnedPartitions(
    const PartitionCounts& partitions, const std::vector<MemberSubscription>& members) {
  int32_t newest = -1;
  for (const MemberSubscription& m : members) newest = std::max(newest, ReportedGeneration(m.subscription).value_or(-1));

  std::map<std::string, std::vector<TopicPartition>> owned;
  std::map<TopicPartition, int> claims;
  for (const MemberSubscription& m : members) {
    auto& list = owned[m.member_id];
    if (ReportedGeneration(m.subscription).value_or(-1) != newest) continue;
    const auto& topics = m.subscription.topics;
    for (const TopicPartition& tp : Flatten(m.subscription.owned_partitions)) {
      auto count = partitions.find(tp.topic);
      if (count == partitions.end() || tp.partition < 0 || tp.partition >= count->second) continue;
      if (std::find(topics.begin(), topics.end(), tp.topic) == topics.end()) continue;
      list.push_back(tp);
      ++claims[tp];
    }
  }
  for (auto& [member, list] : owned) {
    std::erase_if(list, [&](const TopicPartition& tp) { return claims[tp] > 1; });
  }
  return owned;
}

}  // namespace cairn::client::group
