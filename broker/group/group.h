// One consumer group as its coordinator holds it (DESIGN.md §7): the classic
// protocol's state machine data — members, generation, chosen protocol,
// leader — and the group's committed offsets. Plain data plus the rules that
// need no clock or I/O; GroupCoordinator drives the transitions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "proto/kafka/generated/join_group.h"
#include "proto/kafka/generated/sync_group.h"

namespace cairn::broker::group {

// Kafka's names, as DescribeGroups reports them.
enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
const char* GroupStateName(GroupState state);

using JoinReply = absl::AnyInvocable<void(kafka::JoinGroupResponse) &&>;
using SyncReply = absl::AnyInvocable<void(kafka::SyncGroupResponse) &&>;

// Answers a parked request, if one is parked, and empties the slot (a
// moved-from AnyInvocable is not reliably empty, so it is reset here).
template <typename Reply, typename Response>
void AnswerParked(Reply& slot, Response response) {
  if (!slot) return;
  Reply reply = std::move(slot);
  slot = nullptr;
  std::move(reply)(std::move(response));
}

struct Protocol {
  std::string name;
  std::string metadata;
  bool operator==(const Protocol&) const = default;
};

struct Member {
  std::string id;
  std::optional<std::string> instance_id;  // static membership (KIP-345)
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<Protocol> protocols;  // in the member's order of preference
  std::string assignment;
  // Removed when the clock passes this without a heartbeat (unless waiting
  // in a JoinGroup or SyncGroup, which the rebalance timeout bounds instead).
  int64_t session_deadline_ms = 0;
  // Order of joining: the first surviving member leads when the old leader left.
  uint64_t join_order = 0;
  JoinReply awaiting_join;  // a JoinGroup parked until the rebalance completes
  SyncReply awaiting_sync;  // a SyncGroup parked until the leader's assignment is stored

  const std::string* MetadataFor(std::string_view protocol) const;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
};

// (topic, partition), ordered, as offsets are listed by OffsetFetch.
using PartitionKey = std::pair<std::string, int32_t>;

struct Group {
  std::string id;
  GroupState state = GroupState::kEmpty;
  int32_t generation = 0;
  std::string protocol_type;  // empty: none yet (or a group used only to commit offsets)
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t state_timestamp_ms = 0;  // when the group last changed state
  std::map<std::string, Member> members;  // by member id
  std::map<std::string, std::string> static_members;  // instance id → member id
  // Member ids handed out with MEMBER_ID_REQUIRED, waiting for the join that
  // uses them; dropped at their deadline.
  std::map<std::string, int64_t> pending_members;
  std::map<PartitionKey, CommittedOffset> offsets;
  // PreparingRebalance: the join phase ends at this time at the latest.
  int64_t join_deadline_ms = 0;
  // The first rebalance of an empty group waits group.initial.rebalance.delay.ms
  // for more members instead of completing as soon as everyone has joined.
  bool initial_delay = false;
  int64_t initial_rebalance_end_ms = 0;  // the delay never runs past this
  uint64_t next_join_order = 0;

  bool Is(GroupState s) const { return state == s; }
  bool IsLeader(const std::string& member_id) const { return leader && *leader == member_id; }
  // Kafka's supportsProtocols: an empty group takes any non-empty protocol
  // list; otherwise the type must match and one protocol must be shared by
  // every member and the candidate.
  bool SupportsProtocols(const std::string& type, const std::vector<Protocol>& protocols) const;
  // The protocol the members vote for: each member votes for its most
  // preferred protocol that all members support; most votes wins, ties go to
  // the earlier choice of the earliest-joined member. Members non-empty.
  std::string SelectProtocol() const;
  bool AllMembersJoined() const;
  int32_t MaxRebalanceTimeoutMs() const;
  // The member whose instance id is `instance_id`, if any.
  const std::string* StaticMemberId(const std::string& instance_id) const;
};

}  // namespace cairn::broker::group
