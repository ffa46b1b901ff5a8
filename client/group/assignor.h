// The partition assignor interface the group leader runs over every
// member's subscription (Kafka's ConsumerPartitionAssignor), and the inputs
// it sees. Assignors are pure and deterministic: the same members and
// partition counts always give the same assignment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/group/topic_partitions.h"
#include "common/bytes.h"
#include "common/topic_partition.h"

namespace cairn::client::group {

// How partitions change hands (KIP-429). Eager: every member gives up all
// its partitions before joining. Cooperative: members keep what they own
// across a rebalance and give up only what the new assignment moves away.
enum class RebalanceProtocol { kEager, kCooperative };

// One member as the leader sees it in the JoinGroup response.
struct MemberSubscription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Subscription subscription;
};

// Topic name -> partition count, for the topics the group subscribes to.
// A topic missing here (or with a count <= 0) does not exist and gets
// assigned to nobody.
using PartitionCounts = std::map<std::string, int32_t>;

// Member id -> its partitions, sorted; every member of the input appears,
// possibly with nothing.
using GroupAssignment = std::map<std::string, std::vector<TopicPartition>>;

class Assignor {
 public:
  virtual ~Assignor() = default;

  // The protocol name in JoinGroup ("range", "cooperative-sticky").
  virtual std::string_view name() const = 0;
  virtual RebalanceProtocol protocol() const = 0;

  // What this member puts in its subscription's user_data, given its last
  // generation (-1 if none).
  virtual std::optional<Buffer> SubscriptionUserData(int32_t /*generation*/) const { return std::nullopt; }

  virtual GroupAssignment Assign(const PartitionCounts& partitions,
                                 const std::vector<MemberSubscription>& members) const = 0;
};

// The order Kafka's assignors put members in: static members (with a
// group.instance.id) first, by instance id, then dynamic ones by member id.
bool MemberOrder(const MemberSubscription& a, const MemberSubscription& b);

}  // namespace cairn::client::group
