// Majority arithmetic over a set of voters: the commit index a quorum has
// reached, election tallies and check-quorum liveness. A plain data structure
// so that joint consensus can later combine two of them (both must agree).
#pragma once

#include <map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "controller/raft/types.h"

namespace cairn::raft {

enum class VoteResult { kPending, kWon, kLost };

class MajorityConfig {
 public:
  // `voters` need not be sorted; duplicates are a programmer error.
  explicit MajorityConfig(std::vector<NodeId> voters);

  const std::vector<NodeId>& voters() const { return voters_; }
  bool Contains(NodeId id) const;
  size_t QuorumSize() const { return voters_.size() / 2 + 1; }

  // The highest index that a quorum of voters has acknowledged.
  LogIndex CommittedIndex(absl::FunctionRef<LogIndex(NodeId)> acked) const;
  // Votes from non-voters are ignored; missing voters have not answered yet.
  VoteResult Tally(const std::map<NodeId, bool>& votes) const;
  bool QuorumActive(absl::FunctionRef<bool(NodeId)> active) const;

 private:
  std::vector<NodeId> voters_;  // sorted
};

}  // namespace cairn::raft
