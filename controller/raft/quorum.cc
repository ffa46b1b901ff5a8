// Majority arithmetic; see quorum.h.
#include "controller/raft/quorum.h"

#include <algorithm>
#include <functional>

#include "common/check.h"

namespace cairn::raft {

MajorityConfig::MajorityConfig(std::vector<NodeId> voters) : voters_(std::move(voters)) {
  std::sort(voters_.begin(), voters_.end());
  CAIRN_CHECK(std::adjacent_find(voters_.begin(), voters_.end()) == voters_.end())
      << "duplicate voter";
}

bool MajorityConfig::Contains(NodeId id) const {
  return std::binary_search(voters_.begin(), voters_.end(), id);
}

LogIndex MajorityConfig::CommittedIndex(absl::FunctionRef<LogIndex(NodeId)> acked) const {
  CAIRN_CHECK(!voters_.empty()) << "no voters";
  std::vector<LogIndex> indexes;
  indexes.reserve(voters_.size());
  for (NodeId id : voters_) indexes.push_back(acked(id));
  // The QuorumSize()-th highest index is held by a quorum.
  std::sort(indexes.begin(), indexes.end(), std::greater<>());
  return indexes[QuorumSize() - 1];
}

VoteResult MajorityConfig::Tally(const std::map<NodeId, bool>& votes) const {
  size_t granted = 0;
  size_t missing = 0;
  for (NodeId id : voters_) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  if (granted >= QuorumSize()) return VoteResult::kWon;
  if (granted + missing >= QuorumSize()) return VoteResult::kPending;
  return VoteResult::kLost;
}

bool MajorityConfig::QuorumActive(absl::FunctionRef<bool(NodeId)> active) const {
  size_t count = 0;
  for (NodeId id : voters_) count += active(id) ? 1 : 0;
  return count >= QuorumSize();
}

}  // namespace cairn::raft
