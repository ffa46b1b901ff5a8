#include "client/group/cooperative_sticky_assignor.h"

#include <algorithm>
#include <set>

#include "client/group/owned_partitions.h"

namespace cairn::client::group {
namespace {

using Owned = std::map<std::string, std::vector<TopicPartition>>;

bool Subscribes(const MemberSubscription& m, const std::string& topic) {
  const auto& topics = m.subscription.topics;
  return std::find(topics.begin(), topics.end(), topic) != topics.end();
}

// Every existing partition of the topics anyone subscribes to, sorted.
std::vector<TopicPartition> AllPartitions(const PartitionCounts& partitions,
                                          const std::vector<MemberSubscription>& members) {
  std::set<std::string> topics;
  for (const MemberSubscription& m : members) topics.insert(m.subscription.topics.begin(), m.subscription.topics.end());
  std::vector<TopicPartition> out;
  for (const std::string& topic : topics) {
    auto it = partitions.find(topic);
    if (it == partitions.end()) continue;
    for (int32_t p = 0; p < it->second; ++p) out.push_back({topic, p});
  }
  return out;
}

bool SameSubscriptions(const std::vector<MemberSubscription>& members) {
  std::set<std::string> first(members.front().subscription.topics.begin(), members.front().subscription.topics.end());
  for (const MemberSubscription& m : members) {
    if (std::set<std::string>(m.subscription.topics.begin(), m.subscription.topics.end()) != first) return false;
  }
  return true;
}

// Equal subscriptions. With P partitions and N members everyone ends with
// min = P/N or max = ceil(P/N), and exactly P%N members reach max. Members
// (in order) keep their lowest owned partitions up to min, or up to max while
// max slots remain; the rest go round-robin first to members below min, then
// one each to members at min until the max slots are used.
void ConstrainedAssign(const std::vector<TopicPartition>& all, const std::vector<MemberSubscription>& sorted,
                       const Owned& owned, GroupAssignment& out) {
  const size_t n = sorted.size();
  const size_t min_quota = all.size() / n;
  const size_t max_quota = (all.size() + n - 1) / n;
  size_t max_slots = min_quota == max_quota ? 0 : all.size() % n;
  std::set<TopicPartition> taken;
  for (const MemberSubscription& m : sorted) {
    const std::vector<TopicPartition>& mine = owned.at(m.member_id);
    size_t keep = std::min(mine.size(), min_quota);
    if (mine.size() > min_quota && max_slots > 0) {
      keep = max_quota;
      --max_slots;
    }
    auto& list = out[m.member_id];
    list.assign(mine.begin(), mine.begin() + static_cast<std::ptrdiff_t>(keep));
    taken.insert(list.begin(), list.end());
  }
  std::vector<TopicPartition> rest;
  for (const TopicPartition& tp : all) {
    if (!taken.contains(tp)) rest.push_back(tp);
  }
  size_t next = 0;
  // Below min first, one partition per member per round.
  for (bool gave = true; gave && next < rest.size();) {
    gave = false;
    for (const MemberSubscription& m : sorted) {
      auto& list = out[m.member_id];
      if (list.size() < min_quota && next < rest.size()) {
        list.push_back(rest[next++]);
        gave = true;
      }
    }
  }
  // Then the max slots still free, to members sitting at min.
  for (const MemberSubscription& m : sorted) {
    if (next >= rest.size() || max_slots == 0) break;
    auto& list = out[m.member_id];
    if (list.size() == min_quota) {
      list.push_back(rest[next++]);
      --max_slots;
    }
  }
}

// Unequal subscriptions: keep everything validly owned, hand each free
// partition (fewest eligible members first) to the eligible member holding
// least, then move partitions from fuller to emptier eligible members (never
// taking what the source owned before while it has a fresh one to give)
// until no move narrows a gap of two or more.
void GeneralAssign(const std::vector<TopicPartition>& all, const std::vector<MemberSubscription>& sorted,
                   const Owned& owned, GroupAssignment& out) {
  std::set<TopicPartition> taken;
  for (const MemberSubscription& m : sorted) {
    out[m.member_id] = owned.at(m.member_id);
    taken.insert(out[m.member_id].begin(), out[m.member_id].end());
  }
  auto eligible_count = [&](const TopicPartition& tp) {
    return std::count_if(sorted.begin(), sorted.end(), [&](const auto& m) { return Subscribes(m, tp.topic); });
  };
  std::vector<TopicPartition> rest;
  for (const TopicPartition& tp : all) {
    if (!taken.contains(tp)) rest.push_back(tp);
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [&](const auto& a, const auto& b) { return eligible_count(a) < eligible_count(b); });
  auto emptiest = [&](const std::string& topic, size_t below) -> const MemberSubscription* {
    const MemberSubscription* best = nullptr;
    for (const MemberSubscription& m : sorted) {
      if (!Subscribes(m, topic) || out[m.member_id].size() >= below) continue;
      if (best == nullptr || out[m.member_id].size() < out[best->member_id].size()) best = &m;
    }
    return best;
  };
  for (const TopicPartition& tp : rest) {
    if (const MemberSubscription* m = emptiest(tp.topic, SIZE_MAX)) out[m->member_id].push_back(tp);
  }
  // Each move lowers the sum of squared counts, so this ends.
  for (bool moved = true; moved;) {
    moved = false;
    std::vector<const MemberSubscription*> sources;
    for (const MemberSubscription& m : sorted) sources.push_back(&m);
    std::stable_sort(sources.begin(), sources.end(),
                     [&](auto* a, auto* b) { return out[a->member_id].size() > out[b->member_id].size(); });
    for (const MemberSubscription* source : sources) {
      auto& list = out[source->member_id];
      const auto& was = owned.at(source->member_id);
      // Fresh partitions first (moving them costs no stickiness), newest last.
      std::vector<size_t> order(list.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = order.size() - 1 - i;
      std::stable_partition(order.begin(), order.end(), [&](size_t i) {
        return !std::binary_search(was.begin(), was.end(), list[i]);
      });
      for (size_t i : order) {
        const MemberSubscription* target = emptiest(list[i].topic, list.size() - 1);
        if (target == nullptr) continue;
        out[target->member_id].push_back(list[i]);
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
        moved = true;
        break;
      }
      if (moved) break;
    }
  }
}

}  // namespace

std::optional<Buffer> CooperativeStickyAssignor::SubscriptionUserData(int32_t generation) const {
  return GenerationUserData(generation);
}

GroupAssignment CooperativeStickyAssignor::StickyTarget(const PartitionCounts& partitions,
                                                        const std::vector<MemberSubscription>& members) {
  GroupAssignment out;
  if (members.empty()) return out;
  std::vector<MemberSubscription> sorted = members;
  std::sort(sorted.begin(), sorted.end(), MemberOrder);
  const Owned owned = ValidOwnedPartitions(partitions, members);
  const std::vector<TopicPartition> all = AllPartitions(partitions, members);
  if (SameSubscriptions(sorted)) {
    ConstrainedAssign(all, sorted, owned, out);
  } else {
    GeneralAssign(all, sorted, owned, out);
  }
  for (auto& [member, list] : out) std::sort(list.begin(), list.end());
  return out;
}

GroupAssignment CooperativeStickyAssignor::Assign(const PartitionCounts& partitions,
                                                  const std::vector<MemberSubscription>& members) const {
  GroupAssignment target = StickyTarget(partitions, members);
  // Withhold every partition whose valid owner is another member: the owner
  // revokes it now (it is not in the owner's new assignment) and the
  // follow-up rebalance, where nobody owns it, gives it out.
  std::map<TopicPartition, std::string> owner;
  for (const auto& [member, list] : ValidOwnedPartitions(partitions, members)) {
    for (const TopicPartition& tp : list) owner[tp] = member;
  }
  for (auto& [member, list] : target) {
    std::erase_if(list, [&](const TopicPartition& tp) {
      auto it = owner.find(tp);
      return it != owner.end() && it->second != member;
    });
  }
  return target;
}

}  // namespace cairn::client::group
