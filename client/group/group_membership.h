// A consumer's membership in a classic-protocol group, as a sans-I/O core
// (like controller/raft): no sockets, threads or clock reads. Inputs are the
// time (Tick, Poll), responses and request failures, subscription and
// metadata changes, Close; outputs are the requests to send and events for
// the application, taken with TakeRequests / TakeEvents.
//
// Contract for the caller (the consumer):
//  - FindCoordinator goes to any broker; every other request goes to the
//    coordinator (coordinator()). Each request gets exactly one answer:
//    its response or OnRequestFailed, in the order sent per API.
//  - Events produced by one call come before the requests produced by the
//    same call and must be delivered first: an eager member's revocation
//    (where the application commits) precedes its JoinGroup.
//  - Poll(now) is the application's poll: a (re)join starts only there, as
//    in the Java client, and max_poll_interval_ms is measured between calls.
// Behaviour and choices: docs/client-groups.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "client/group/assignor.h"
#include "proto/kafka/generated/messages.h"

namespace cairn::client::group {

struct MembershipConfig {
  std::string group_id;
  std::optional<std::string> group_instance_id;  // static membership (KIP-345)
  int32_t session_timeout_ms = 45000;
  int32_t rebalance_timeout_ms = 300000;  // the Java client sends max.poll.interval.ms
  int32_t heartbeat_interval_ms = 3000;
  int64_t max_poll_interval_ms = 300000;
  int64_t retry_backoff_ms = 100;
  // Slack on top of the rebalance timeout before an unanswered JoinGroup or
  // SyncGroup counts as lost (the Java client's 5 s).
  int64_t join_slack_ms = 5000;
  // Version of the ConsumerProtocolSubscription we send: 1 carries owned
  // partitions (needed by cooperative-sticky) and is what every 2.4+ client reads.
  int16_t subscription_version = 1;
};

using GroupRequest = std::variant<kafka::FindCoordinatorRequest, kafka::JoinGroupRequest, kafka::SyncGroupRequest,
                                  kafka::HeartbeatRequest, kafka::LeaveGroupRequest>;

struct GroupEvent {
  enum class Type {
    kPartitionsRevoked,   // give these up (commit first); the member still owned them validly
    kPartitionsAssigned,  // eager: the whole assignment; cooperative: only the added partitions
    kPartitionsLost,      // the member's generation ended: someone else may own these already
    kMetadataNeeded,      // leader: partition counts of `topics` are needed (UpdateMetadata)
    kError,               // something failed and is being retried
    kFatal,               // the membership stopped (State::kFailed)
  };
  Type type;
  std::vector<TopicPartition> partitions;  // revoked / assigned / lost
  std::vector<std::string> topics;         // metadata needed
  int16_t error_code = 0;                  // Kafka's code, 0 for local errors
  std::string message;

  bool operator==(const GroupEvent&) const = default;
};

struct Coordinator {
  int32_t node_id = -1;
  std::string host;
  int32_t port = 0;
};

class GroupMembership {
 public:
  enum class State {
    kUnjoined,  // not in the group (never joined, or reset); joins at the next Poll
    kJoining,   // finding the coordinator, or JoinGroup pending or in flight
    kSyncing,   // joined; the leader's metadata wait, or SyncGroup in flight
    kStable,    // member of generation(), heartbeating
    kFailed,    // a fatal error; only Close() is meaningful
    kClosed,
  };

  // `assignors` in preference order; at least one. The rebalance protocol is
  // cooperative only if every assignor supports it (as in the Java client).
  GroupMembership(MembershipConfig config, std::vector<std::unique_ptr<Assignor>> assignors);

  // Inputs.
  void Subscribe(int64_t now_ms, std::vector<std::string> topics);  // empty: unsubscribe (leave)
  // Partition counts (0: the topic does not exist; negative: the answer
  // named the topic with an error and no count, and the count known before
  // stands, or 0 when there was none, so that a leader never waits for a
  // topic the broker will not describe). A leader waiting for metadata
  // assigns once every member's topic has a count.
  void UpdateMetadata(int64_t now_ms, const PartitionCounts& partitions);
  void Poll(int64_t now_ms);
  void Tick(int64_t now_ms);
  void OnFindCoordinator(int64_t now_ms, const kafka::FindCoordinatorResponse& response);
  void OnJoinGroup(int64_t now_ms, const kafka::JoinGroupResponse& response);
  void OnSyncGroup(int64_t now_ms, const kafka::SyncGroupResponse& response);
  void OnHeartbeat(int64_t now_ms, const kafka::HeartbeatResponse& response);
  void OnLeaveGroup(int64_t now_ms, const kafka::LeaveGroupResponse& response);
  // A transport failure or timeout of a request of API `key`.
  void OnRequestFailed(int64_t now_ms, kafka::ApiKey key);
  // An OffsetCommit sent with `generation` was refused with `code`. As the
  // Java client: ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID end the membership
  // at once (the partitions are lost; it rejoins at the next poll) instead
  // of waiting for the next heartbeat to say so; REBALANCE_IN_PROGRESS asks
  // for a rejoin. Other codes, and answers about an older generation, change
  // nothing.
  void OnCommitError(int64_t now_ms, int32_t generation, int16_t code);
  // Revokes (or, without a valid generation, loses) what the member owns and
  // leaves the group. Static members send no LeaveGroup (KIP-345): their
  // partitions wait for them for session_timeout_ms.
  void Close(int64_t now_ms);

  // Outputs.
  std::vector<GroupRequest> TakeRequests();
  std::vector<GroupEvent> TakeEvents();

  State state() const { return state_; }
  const std::string& member_id() const { return member_id_; }
  int32_t generation() const { return generation_; }
  bool is_leader() const { return !member_id_.empty() && leader_id_ == member_id_; }
  // The leader's: every topic its last assignment counted partitions of
  // (all members' subscriptions, not only its own). Its metadata refreshes
  // must cover them for UpdateMetadata to see any of them grow or go.
  // Empty for other members.
  std::vector<std::string> WatchedTopics() const;
  RebalanceProtocol protocol() const { return protocol_; }
  const std::optional<Coordinator>& coordinator() const { return coordinator_; }
  const std::vector<TopicPartition>& owned() const { return owned_; }
  // Responses dropped because nothing of their kind was outstanding.
  int64_t dropped_responses() const { return dropped_responses_; }

 private:
  enum Kind { kFind, kJoin, kSync, kHeartbeat, kLeave, kKinds };
  // One outstanding request per kind at most; requests abandoned while in
  // flight still get an answer, which is then dropped (`stale`).
  struct InFlight {
    bool live = false;
    int stale = 0;
  };

  bool Accept(Kind kind);
  void Abandon(Kind kind);
  void Step(int64_t now_ms);
  void StartRebalance(int64_t now_ms);
  void SendFindCoordinator();
  void SendJoin(int64_t now_ms);
  void SendSync(int64_t now_ms, std::vector<kafka::SyncGroupRequest::SyncGroupRequestAssignment> assignments);
  void SendHeartbeat();
  void SendLeave();
  void AssignAndSync(int64_t now_ms);
  void ApplyAssignment(int64_t now_ms, const kafka::SyncGroupResponse& response);
  void RejoinNow(int64_t now_ms, int64_t delay_ms = 0);
  void MarkCoordinatorUnknown(int64_t now_ms);
  void ResetGeneration(bool forget_member_id);
  // The coordinator no longer knows this member (UNKNOWN_MEMBER_ID) or its
  // generation (ILLEGAL_GENERATION), as `what` reported.
  void MemberGone(int16_t code, const char* what);
  void LeaveGroup(int64_t now_ms);
  void Fail(int16_t code, std::string message);
  void Emit(GroupEvent::Type type, std::vector<TopicPartition> partitions);
  void EmitError(int16_t code, std::string message);
  std::set<std::string> GroupTopics() const;
  const Assignor* FindAssignor(std::string_view name) const;

  const MembershipConfig config_;
  const std::vector<std::unique_ptr<Assignor>> assignors_;
  const RebalanceProtocol protocol_;

  State state_ = State::kUnjoined;
  std::vector<std::string> topics_;  // sorted, unique
  std::optional<Coordinator> coordinator_;
  std::array<InFlight, kKinds> in_flight_{};

  std::string member_id_;
  int32_t generation_ = -1;           // of the last JoinGroup; used in Sync/Heartbeat
  int32_t owned_generation_ = -1;     // of the last successful SyncGroup; what owned_ is valid for
  std::string leader_id_;
  std::string protocol_name_;
  std::vector<TopicPartition> owned_;  // sorted
  bool rejoin_needed_ = true;

  // Leader only: the members of this generation while waiting for metadata,
  // and the partition counts its last assignment used.
  std::optional<std::vector<kafka::JoinGroupResponse::JoinGroupResponseMember>> awaiting_metadata_;
  PartitionCounts metadata_;
  std::optional<PartitionCounts> assignment_snapshot_;

  std::optional<int64_t> last_poll_ms_;
  int64_t find_at_ms_ = 0;        // earliest next FindCoordinator
  int64_t join_at_ms_ = 0;        // earliest next JoinGroup
  int64_t rebalance_deadline_ms_ = 0;  // JoinGroup/SyncGroup in flight give up here
  int64_t next_heartbeat_ms_ = 0;
  int64_t last_heartbeat_ok_ms_ = 0;
  int32_t heartbeat_generation_ = -1;

  std::vector<GroupRequest> requests_;
  std::vector<GroupEvent> events_;
  int64_t dropped_responses_ = 0;
};

std::string_view StateName(GroupMembership::State state);

}  // namespace cairn::client::group
