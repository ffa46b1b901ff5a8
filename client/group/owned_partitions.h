// Which partitions the cooperative-sticky leader believes each member owns.
// A member's claim (its subscription's owned_partitions) counts only if it
// comes from the newest generation any member reports: a member that missed
// a rebalance still lists partitions that were since given to someone else.
// This is the Java client's rule (AbstractStickyAssignor, KIP-792).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/group/assignor.h"

namespace cairn::client::group {

// The generation a subscription reports: generation_id from a v2+
// subscription, else the generation in user_data (v0/v1): the 4-byte
// big-endian generation the Java cooperative-sticky assignor (and ours)
// writes, or the generation that ends librdkafka's StickyAssignorUserData
// v1 (partitions owned, then generation); other user data of 4+ bytes is
// read as Java does (its first 4 bytes), shorter is -1; nullopt without
// user data (no claim of any generation).
std::optional<int32_t> ReportedGeneration(const Subscription& subscription);

// The cooperative-sticky user_data for a v0/v1 subscription: the generation
// as INT32 big-endian, or null without a generation.
std::optional<Buffer> GenerationUserData(int32_t generation);

// Member id -> the partitions it validly owns, sorted. Claims are dropped when
//  - the member's generation is older than the newest reported (members with
//    no generation count as -1, so they lose against any real generation);
//  - the partition does not exist in `partitions` or its topic is not in the
//    member's own subscription;
//  - two members of the newest generation claim it (neither keeps it).
std::map<std::string, std::vector<TopicPartition>> ValidOwnedPartitions(
    const PartitionCounts& partitions, const std::vector<MemberSubscription>& members);

}  // namespace cairn::client::group
