// Small helpers of the Raft vocabulary.
#include "controller/raft/types.h"

#include <algorithm>

namespace cairn::raft {

uint64_t EntryBytes(const Entry& entry) {
  // A fixed charge for term, index and type, so empty entries are not free.
  constexpr uint64_t kEntryOverheadBytes = 24;
  return kEntryOverheadBytes + entry.data.size() +
         (entry.conf_change ? entry.conf_change->context.size() : 0);
}

const char* ConfChangeTypeName(ConfChangeType type) {
  switch (type) {
    case ConfChangeType::kAddLearner: return "AddLearner";
    case ConfChangeType::kRemoveLearner: return "RemoveLearner";
    case ConfChangeType::kAddVoter: return "AddVoter";
    case ConfChangeType::kRemoveVoter: return "RemoveVoter";
  }
  return "?";
}

bool ConfState::IsVoter(NodeId id) const {
  return std::binary_search(voters.begin(), voters.end(), id);
}

bool ConfState::IsLearner(NodeId id) const {
  return std::binary_search(learners.begin(), learners.end(), id);
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower: return "Follower";
    case Role::kPreCandidate: return "PreCandidate";
    case Role::kCandidate: return "Candidate";
    case Role::kLeader: return "Leader";
  }
  return "?";
}

}  // namespace cairn::raft
