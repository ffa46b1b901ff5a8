// Kafka's "cooperative-sticky" assignor (KIP-429): a balanced assignment
// that keeps every member's validly owned partitions where balance allows,
// then withholds each partition that changes owner, so that its old owner
// revokes it in this generation and a follow-up rebalance hands it to the
// new one. No partition is ever owned by two members at once.
//
// Balanced means: when all members subscribe to the same topics, partition
// counts differ by at most one (Java's "constrained" path, reproduced
// exactly below); otherwise no partition could move from a member to an
// eligible member holding two or more fewer (a greedy heuristic, as Java's
// general path is). Choices are deterministic; see docs/client-groups.md.
#pragma once

#include "client/group/assignor.h"

namespace cairn::client::group {

class CooperativeStickyAssignor final : public Assignor {
 public:
  static constexpr char kName[] = "cooperative-sticky";

  std::string_view name() const override { return kName; }
  RebalanceProtocol protocol() const override { return RebalanceProtocol::kCooperative; }
  std::optional<Buffer> SubscriptionUserData(int32_t generation) const override;
  GroupAssignment Assign(const PartitionCounts& partitions,
                         const std::vector<MemberSubscription>& members) const override;

  // The balanced, sticky target before withholding moved partitions
  // (exposed for tests: the follow-up rebalance must reach it).
  static GroupAssignment StickyTarget(const PartitionCounts& partitions, const std::vector<MemberSubscription>& members);
};

}  // namespace cairn::client::group
