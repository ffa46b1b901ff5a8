// Kafka's "range" assignor: for each topic on its own, the members
// subscribed to it (in MemberOrder) get contiguous ranges of partitions;
// when the count does not divide evenly, the first members get one extra.
// Eager protocol, like the Java client's RangeAssignor (without rack
// awareness: members here carry no rack).
#pragma once

#include "client/group/assignor.h"

namespace cairn::client::group {

class RangeAssignor final : public Assignor {
 public:
  static constexpr char kName[] = "range";

  std::string_view name() const override { return kName; }
  RebalanceProtocol protocol() const override { return RebalanceProtocol::kEager; }
  GroupAssignment Assign(const PartitionCounts& partitions,
                         const std::vector<MemberSubscription>& members) const override;
};

}  // namespace cairn::client::group
