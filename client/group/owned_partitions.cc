#include "client/group/owned_partitions.h"

#include <algorithm>
#include <set>

namespace cairn::client::group {

namespace {

// The generation at the end of StickyAssignorUserData v1, which librdkafka's
// cooperative-sticky and the Java StickyAssignor write:
//   previous_assignment:[topic:string partitions:[int32]] generation:int32
// nullopt unless the bytes are exactly that.
std::optional<int32_t> StickyUserDataGeneration(const Buffer& bytes) {
  size_t pos = 0;
  auto left = [&] { return bytes.size() - pos; };
  if (left() < 4) return std::nullopt;
  const int32_t topics = LoadBigEndian<int32_t>(bytes.data());
  pos += 4;
  if (topics < 0) return std::nullopt;
  for (int32_t i = 0; i < topics; ++i) {
    if (left() < 2) return std::nullopt;
    const int16_t name_length = LoadBigEndian<int16_t>(bytes.data() + pos);
    pos += 2;
    if (name_length < 0 || left() < static_cast<size_t>(name_length) + 4) return std::nullopt;
    pos += static_cast<size_t>(name_length);
    const int32_t partitions = LoadBigEndian<int32_t>(bytes.data() + pos);
    pos += 4;
    if (partitions < 0 || left() / 4 < static_cast<size_t>(partitions)) return std::nullopt;
    pos += 4 * static_cast<size_t>(partitions);
  }
  if (left() != 4) return std::nullopt;
  return LoadBigEndian<int32_t>(bytes.data() + pos);
}

}  // namespace

std::optional<int32_t> ReportedGeneration(const Subscription& subscription) {
  if (subscription.generation_id >= 0) return subscription.generation_id;
  if (!subscription.user_data) return std::nullopt;
  // Java reads the user data as a one-field struct and falls back to the
  // default generation (-1) when that fails.
  if (subscription.user_data->size() < 4) return -1;
  // Longer user data from librdkafka's cooperative-sticky puts the
  // generation last, after the partitions owned. (Reading its first four
  // bytes, the topic count, made its claims look stale, so its partitions
  // were handed to others while it still owned them.)
  if (subscription.user_data->size() > 4) {
    if (std::optional<int32_t> generation = StickyUserDataGeneration(*subscription.user_data)) return generation;
  }
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
