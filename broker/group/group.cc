#include "broker/group/group.h"

#include <algorithm>
#include <set>

#include "common/check.h"

namespace cairn::broker::group {

const char* GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

const std::string* Member::MetadataFor(std::string_view protocol) const {
  for (const Protocol& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

namespace {

std::set<std::string> Names(const std::vector<Protocol>& protocols) {
  std::set<std::string> names;
  for (const Protocol& p : protocols) names.insert(p.name);
  return names;
}

// Protocols every member supports.
std::set<std::string> CommonProtocols(const std::map<std::string, Member>& members) {
  std::set<std::string> common;
  bool first = true;
  for (const auto& [id, member] : members) {
    std::set<std::string> names = Names(member.protocols);
    if (first) {
      common = std::move(names);
      first = false;
      continue;
    }
    std::set<std::string> both;
    std::set_intersection(common.begin(), common.end(), names.begin(), names.end(),
                          std::inserter(both, both.begin()));
    common = std::move(both);
  }
  return common;
}

}  // namespace

bool Group::SupportsProtocols(const std::string& type, const std::vector<Protocol>& candidate) const {
  if (members.empty()) return !type.empty() && !candidate.empty();
  if (type != protocol_type) return false;
  const std::set<std::string> common = CommonProtocols(members);
  for (const Protocol& p : candidate) {
    if (common.contains(p.name)) return true;
  }
  return false;
}

std::string Group::SelectProtocol() const {
  CAIRN_CHECK(!members.empty());
  const std::set<std::string> common = CommonProtocols(members);
  CAIRN_CHECK(!common.empty()) << "group " << id << " has no common protocol";
  std::vector<const Member*> by_join;
  for (const auto& [member_id, member] : members) by_join.push_back(&member);
  std::sort(by_join.begin(), by_join.end(),
            [](const Member* a, const Member* b) { return a->join_order < b->join_order; });
  std::map<std::string, int> votes;
  std::vector<std::string> first_seen;  // tie-break order
  for (const Member* member : by_join) {
    for (const Protocol& p : member->protocols) {
      if (!common.contains(p.name)) continue;
      if (votes[p.name]++ == 0) first_seen.push_back(p.name);
      break;
    }
  }
  std::string best;
  int best_votes = -1;
  for (const std::string& name : first_seen) {
    if (votes[name] > best_votes) {
      best = name;
      best_votes = votes[name];
    }
  }
  return best;
}

bool Group::AllMembersJoined() const {
  if (!pending_members.empty()) return false;
  for (const auto& [id, member] : members) {
    if (!member.awaiting_join) return false;
  }
  return true;
}

int32_t Group::MaxRebalanceTimeoutMs() const {
  int32_t max = 0;
  for (const auto& [id, member] : members) max = std::max(max, member.rebalance_timeout_ms);
  return max;
}

const std::string* Group::StaticMemberId(const std::string& instance_id) const {
  auto it = static_members.find(instance_id);
  return it == static_members.end() ? nullptr : &it->second;
}

}  // namespace cairn::broker::group
