// Test helpers for the assignors: members from short descriptions and
// assignments printed as "m1: t1-0 t1-1 | m2: ..." so a whole expected
// assignment fits one readable line.
#pragma once

#include <string>
#include <vector>

#include "client/group/assignor.h"
#include "client/group/owned_partitions.h"

namespace cairn::client::group::testing {

inline MemberSubscription Member(std::string id, std::vector<std::string> topics,
                                 std::vector<TopicPartition> owned = {}, int32_t generation = -1) {
  MemberSubscription m;
  m.member_id = std::move(id);
  m.subscription.topics = std::move(topics);
  m.subscription.owned_partitions = GroupByTopic(owned);
  m.subscription.user_data = GenerationUserData(generation);
  return m;
}

inline std::string Show(const GroupAssignment& assignment) {
  std::string out;
  for (const auto& [member, partitions] : assignment) {
    if (!out.empty()) out += " | ";
    out += member + ":";
    for (const TopicPartition& tp : partitions) out += " " + tp.topic + "-" + std::to_string(tp.partition);
  }
  return out;
}

}  // namespace cairn::client::group::testing
