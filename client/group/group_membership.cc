#include "client/group/group_membership.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "client/group/group_errors.h"
#include "common/check.h"

namespace cairn::client::group {
namespace {

RebalanceProtocol CommonProtocol(const std::vector<std::unique_ptr<Assignor>>& assignors) {
  CAIRN_CHECK(!assignors.empty()) << "a group member needs at least one assignor";
  for (const auto& a : assignors) {
    if (a->protocol() == RebalanceProtocol::kEager) return RebalanceProtocol::kEager;
  }
  return RebalanceProtocol::kCooperative;
}

std::vector<TopicPartition> Minus(const std::vector<TopicPartition>& a, const std::vector<TopicPartition>& b) {
  std::vector<TopicPartition> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::string_view StateName(GroupMembership::State state) {
  switch (state) {
    case GroupMembership::State::kUnjoined: return "Unjoined";
    case GroupMembership::State::kJoining: return "Joining";
    case GroupMembership::State::kSyncing: return "Syncing";
    case GroupMembership::State::kStable: return "Stable";
    case GroupMembership::State::kFailed: return "Failed";
    case GroupMembership::State::kClosed: return "Closed";
  }
  return "?";
}

GroupMembership::GroupMembership(MembershipConfig config, std::vector<std::unique_ptr<Assignor>> assignors)
    : config_(std::move(config)), assignors_(std::move(assignors)), protocol_(CommonProtocol(assignors_)) {
  CAIRN_CHECK(!config_.group_id.empty()) << "group.id is required to subscribe";
  CAIRN_CHECK(config_.heartbeat_interval_ms > 0 && config_.heartbeat_interval_ms < config_.session_timeout_ms)
      << "heartbeat.interval.ms " << config_.heartbeat_interval_ms << ", session.timeout.ms "
      << config_.session_timeout_ms;
}

// --- outputs -----------------------------------------------------------------

std::vector<GroupRequest> GroupMembership::TakeRequests() { return std::exchange(requests_, {}); }
std::vector<GroupEvent> GroupMembership::TakeEvents() { return std::exchange(events_, {}); }

void GroupMembership::Emit(GroupEvent::Type type, std::vector<TopicPartition> partitions) {
  GroupEvent e{type};
  e.partitions = std::move(partitions);
  events_.push_back(std::move(e));
}

void GroupMembership::EmitError(int16_t code, std::string message) {
  GroupEvent e{GroupEvent::Type::kError};
  e.error_code = code;
  e.message = std::move(message);
  events_.push_back(std::move(e));
}

void GroupMembership::Fail(int16_t code, std::string message) {
  GroupEvent e{GroupEvent::Type::kFatal};
  e.error_code = code;
  e.message = std::move(message);
  events_.push_back(std::move(e));
  state_ = State::kFailed;
}

// --- in-flight bookkeeping -----------------------------------------------------

bool GroupMembership::Accept(Kind kind) {
  InFlight& f = in_flight_[kind];
  if (f.stale > 0) {  // the answer to an abandoned request comes first
    --f.stale;
    ++dropped_responses_;
    return false;
  }
  if (!f.live) {
    ++dropped_responses_;
    return false;
  }
  f.live = false;
  return true;
}

void GroupMembership::Abandon(Kind kind) {
  InFlight& f = in_flight_[kind];
  if (f.live) {
    f.live = false;
    ++f.stale;
  }
}

// --- application inputs --------------------------------------------------------

void GroupMembership::Subscribe(int64_t now_ms, std::vector<std::string> topics) {
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  if (topics == topics_) return;
  topics_ = std::move(topics);
  if (topics_.empty()) {
    // Unsubscribe: give everything up and leave, as Close does, but stay usable.
    LeaveGroup(now_ms);
    state_ = State::kUnjoined;
    rejoin_needed_ = true;
    return;
  }
  rejoin_needed_ = true;  // a new subscription takes a rebalance, at the next Poll
}

void GroupMembership::UpdateMetadata(int64_t now_ms, const PartitionCounts& partitions) {
  for (const auto& [topic, count] : partitions) {
    if (count < 0) {
      metadata_.try_emplace(topic, 0);
    } else {
      metadata_[topic] = count;
    }
  }
  if (state_ == State::kSyncing && awaiting_metadata_) {
    // Only once every member's topics are counted: an unrelated refresh
    // (of the leader's own topics) must not assign the others' topics as
    // having no partitions.
    for (const std::string& topic : GroupTopics()) {
      if (!metadata_.contains(topic)) return;
    }
    AssignAndSync(now_ms);
    return;
  }
  // The leader watches the partition counts its assignment used: a topic
  // that grew (or appeared) needs a new assignment (the Java client's
  // metadata snapshot check).
  if (state_ == State::kStable && is_leader() && assignment_snapshot_) {
    for (const auto& [topic, count] : *assignment_snapshot_) {
      auto it = metadata_.find(topic);
      if ((it == metadata_.end() ? 0 : it->second) != count) rejoin_needed_ = true;
    }
  }
}

std::vector<std::string> GroupMembership::WatchedTopics() const {
  std::vector<std::string> out;
  if (!is_leader() || !assignment_snapshot_) return out;
  for (const auto& [topic, count] : *assignment_snapshot_) out.push_back(topic);
  return out;
}

void GroupMembership::Poll(int64_t now_ms) {
  last_poll_ms_ = now_ms;
  if (state_ == State::kFailed || state_ == State::kClosed || topics_.empty()) return;
  if (rejoin_needed_ && (state_ == State::kUnjoined || state_ == State::kStable)) StartRebalance(now_ms);
  Step(now_ms);
}

void GroupMembership::Tick(int64_t now_ms) {
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  Step(now_ms);
}

void GroupMembership::Close(int64_t now_ms) {
  if (state_ == State::kClosed) return;
  if (state_ != State::kFailed) LeaveGroup(now_ms);
  state_ = State::kClosed;
}

// Gives up what the member owns (revoked if its generation is still valid,
// lost otherwise) and sends LeaveGroup if a dynamic member is in the group.
void GroupMembership::LeaveGroup(int64_t now_ms) {
  (void)now_ms;
  if (!owned_.empty()) {
    Emit(owned_generation_ >= 0 ? GroupEvent::Type::kPartitionsRevoked : GroupEvent::Type::kPartitionsLost,
         std::exchange(owned_, {}));
  }
  if (!config_.group_instance_id && !member_id_.empty() && coordinator_) SendLeave();
  Abandon(kJoin);
  Abandon(kSync);
  Abandon(kHeartbeat);
  awaiting_metadata_.reset();
  ResetGeneration(/*forget_member_id=*/true);
}

// --- the driver ------------------------------------------------------------------

// Eager: everything owned is revoked before joining. Cooperative: only the
// partitions of topics no longer subscribed; the rest is kept through the
// rebalance and the assignment says what to give up.
void GroupMembership::StartRebalance(int64_t now_ms) {
  std::vector<TopicPartition> revoked;
  if (protocol_ == RebalanceProtocol::kEager) {
    revoked = std::exchange(owned_, {});
  } else {
    std::erase_if(owned_, [&](const TopicPartition& tp) {
      if (std::binary_search(topics_.begin(), topics_.end(), tp.topic)) return false;
      revoked.push_back(tp);
      return true;
    });
  }
  if (!revoked.empty()) Emit(GroupEvent::Type::kPartitionsRevoked, std::move(revoked));
  rejoin_needed_ = false;
  state_ = State::kJoining;
  join_at_ms_ = now_ms;
}

void GroupMembership::Step(int64_t now_ms) {
  const bool in_group = state_ == State::kSyncing || state_ == State::kStable;
  if (last_poll_ms_ && state_ != State::kUnjoined && now_ms - *last_poll_ms_ > config_.max_poll_interval_ms) {
    // The application stopped polling: leave so the group can move on
    // without it (KIP-62). It rejoins, with a fresh generation, at its next poll.
    EmitError(0, absl::StrCat("max.poll.interval.ms (", config_.max_poll_interval_ms,
                              " ms) expired since the last poll; leaving the group"));
    // Leaving gives the generation up, so what the member owned is lost, not revoked.
    if (!owned_.empty()) Emit(GroupEvent::Type::kPartitionsLost, std::exchange(owned_, {}));
    LeaveGroup(now_ms);
    state_ = State::kUnjoined;
    rejoin_needed_ = true;
    return;
  }
  if (state_ == State::kUnjoined) return;

  if (!coordinator_) {
    if (!in_flight_[kFind].live && now_ms >= find_at_ms_) SendFindCoordinator();
    return;
  }
  if ((in_flight_[kJoin].live || in_flight_[kSync].live) && now_ms >= rebalance_deadline_ms_) {
    // No answer within the rebalance timeout: the coordinator is gone or the
    // connection is stuck. The consumer should reset that connection.
    EmitError(0, absl::StrCat(in_flight_[kJoin].live ? "JoinGroup" : "SyncGroup",
                              " got no response within the rebalance timeout"));
    Abandon(kJoin);
    Abandon(kSync);
    MarkCoordinatorUnknown(now_ms);
    RejoinNow(now_ms);
    Step(now_ms);
    return;
  }
  if (in_group && now_ms - last_heartbeat_ok_ms_ >= config_.session_timeout_ms) {
    // The coordinator has not confirmed us for a whole session: it has
    // probably moved. Find it again; the generation stays until it says otherwise.
    EmitError(0, "no successful heartbeat within session.timeout.ms; rediscovering the coordinator");
    MarkCoordinatorUnknown(now_ms);
    Step(now_ms);
    return;
  }
  if (state_ == State::kJoining && !in_flight_[kJoin].live && now_ms >= join_at_ms_) SendJoin(now_ms);
  if (in_group && !in_flight_[kHeartbeat].live && now_ms >= next_heartbeat_ms_) SendHeartbeat();
}

void GroupMembership::RejoinNow(int64_t now_ms, int64_t delay_ms) {
  state_ = State::kJoining;
  join_at_ms_ = now_ms + delay_ms;
  awaiting_metadata_.reset();
}

void GroupMembership::MarkCoordinatorUnknown(int64_t now_ms) {
  coordinator_.reset();
  find_at_ms_ = now_ms;
}

// The member's generation is over (the coordinator said so, or we left):
// what it owned may already belong to someone else.
void GroupMembership::ResetGeneration(bool forget_member_id) {
  if (!owned_.empty()) Emit(GroupEvent::Type::kPartitionsLost, std::exchange(owned_, {}));
  generation_ = -1;
  owned_generation_ = -1;
  leader_id_.clear();
  assignment_snapshot_.reset();
  if (forget_member_id) member_id_.clear();
}

// --- requests ---------------------------------------------------------------------

void GroupMembership::SendFindCoordinator() {
  kafka::FindCoordinatorRequest r;
  r.key = config_.group_id;
  r.key_type = 0;  // group
  in_flight_[kFind].live = true;
  requests_.push_back(std::move(r));
}

void GroupMembership::SendJoin(int64_t now_ms) {
  kafka::JoinGroupRequest r;
  r.group_id = config_.group_id;
  r.session_timeout_ms = config_.session_timeout_ms;
  r.rebalance_timeout_ms = config_.rebalance_timeout_ms;
  r.member_id = member_id_;
  r.group_instance_id = config_.group_instance_id;
  r.protocol_type = kafka::kConsumerProtocolType;
  for (const auto& assignor : assignors_) {
    Subscription s;
    s.topics = topics_;
    s.user_data = assignor->SubscriptionUserData(owned_generation_);
    s.owned_partitions = GroupByTopic(owned_);
    s.generation_id = owned_generation_;
    r.protocols.push_back(
        {std::string(assignor->name()), kafka::EncodeConsumerSubscription(s, config_.subscription_version), {}});
  }
  in_flight_[kJoin].live = true;
  rebalance_deadline_ms_ = now_ms + config_.rebalance_timeout_ms + config_.join_slack_ms;
  requests_.push_back(std::move(r));
}

void GroupMembership::SendSync(int64_t now_ms,
                               std::vector<kafka::SyncGroupRequest::SyncGroupRequestAssignment> assignments) {
  kafka::SyncGroupRequest r;
  r.group_id = config_.group_id;
  r.generation_id = generation_;
  r.member_id = member_id_;
  r.group_instance_id = config_.group_instance_id;
  r.assignments = std::move(assignments);
  in_flight_[kSync].live = true;
  rebalance_deadline_ms_ = now_ms + config_.rebalance_timeout_ms + config_.join_slack_ms;
  requests_.push_back(std::move(r));
}

void GroupMembership::SendHeartbeat() {
  kafka::HeartbeatRequest r;
  r.group_id = config_.group_id;
  r.generation_id = generation_;
  r.member_id = member_id_;
  r.group_instance_id = config_.group_instance_id;
  heartbeat_generation_ = generation_;
  in_flight_[kHeartbeat].live = true;
  requests_.push_back(std::move(r));
}

void GroupMembership::SendLeave() {
  kafka::LeaveGroupRequest r;
  r.group_id = config_.group_id;
  r.member_id = member_id_;  // v0-2
  r.members.push_back({member_id_, config_.group_instance_id, {}});  // v3+
  in_flight_[kLeave].live = true;
  requests_.push_back(std::move(r));
}

// --- responses ----------------------------------------------------------------------

void GroupMembership::OnFindCoordinator(int64_t now_ms, const kafka::FindCoordinatorResponse& response) {
  if (!Accept(kFind) || state_ == State::kFailed || state_ == State::kClosed) return;
  if (response.error_code == errors::kGroupAuthorizationFailed) {
    Fail(response.error_code, "not authorized to use group " + config_.group_id);
    return;
  }
  if (response.error_code != errors::kNone) {
    // COORDINATOR_NOT_AVAILABLE (the offsets topic is being created or
    // loaded), NOT_COORDINATOR and the like: ask again after a backoff.
    EmitError(response.error_code, "FindCoordinator failed");
    find_at_ms_ = now_ms + config_.retry_backoff_ms;
    Step(now_ms);
    return;
  }
  coordinator_ = Coordinator{response.node_id, response.host, response.port};
  // A fresh coordinator gets a full session before we judge it.
  last_heartbeat_ok_ms_ = now_ms;
  next_heartbeat_ms_ = now_ms;
  Step(now_ms);
}

void GroupMembership::OnJoinGroup(int64_t now_ms, const kafka::JoinGroupResponse& response) {
  if (!Accept(kJoin) || state_ != State::kJoining) return;
  const int16_t code = response.error_code;
  if (code == errors::kNone) {
    member_id_ = response.member_id;
    generation_ = response.generation_id;
    leader_id_ = response.leader;
    protocol_name_ = response.protocol_name;
    state_ = State::kSyncing;
    last_heartbeat_ok_ms_ = now_ms;  // joining proves the session is alive
    next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
    if (!is_leader()) {
      SendSync(now_ms, {});
      return;
    }
    awaiting_metadata_ = response.members;
    std::vector<std::string> missing;
    for (const std::string& topic : GroupTopics()) {
      if (!metadata_.contains(topic)) missing.push_back(topic);
    }
    if (!missing.empty()) {
      GroupEvent e{GroupEvent::Type::kMetadataNeeded};
      e.topics = std::move(missing);
      events_.push_back(std::move(e));
      return;  // UpdateMetadata continues
    }
    AssignAndSync(now_ms);
    return;
  }
  if (code == errors::kMemberIdRequired) {
    // JoinGroup v4+: the coordinator hands out the id and waits for a join with it (KIP-394).
    member_id_ = response.member_id;
    RejoinNow(now_ms);
  } else if (code == errors::kUnknownMemberId || code == errors::kIllegalGeneration) {
    EmitError(code, "JoinGroup: the coordinator no longer knows this member or generation; rejoining");
    ResetGeneration(/*forget_member_id=*/code == errors::kUnknownMemberId);
    RejoinNow(now_ms);
  } else if (code == errors::kNotCoordinator || code == errors::kCoordinatorNotAvailable) {
    MarkCoordinatorUnknown(now_ms);
    RejoinNow(now_ms);
  } else if (code == errors::kCoordinatorLoadInProgress || code == errors::kRebalanceInProgress) {
    RejoinNow(now_ms, config_.retry_backoff_ms);
  } else if (errors::IsFatalGroupError(code)) {
    Fail(code, "JoinGroup failed");
    return;
  } else {
    EmitError(code, "JoinGroup failed; retrying");
    RejoinNow(now_ms, config_.retry_backoff_ms);
  }
  Step(now_ms);
}

std::set<std::string> GroupMembership::GroupTopics() const {
  std::set<std::string> topics(topics_.begin(), topics_.end());
  if (!awaiting_metadata_) return topics;
  for (const auto& m : *awaiting_metadata_) {
    auto s = kafka::DecodeConsumerSubscription(m.metadata);
    if (s.ok()) topics.insert(s->topics.begin(), s->topics.end());
  }
  return topics;
}

const Assignor* GroupMembership::FindAssignor(std::string_view name) const {
  for (const auto& a : assignors_) {
    if (a->name() == name) return a.get();
  }
  return nullptr;
}

// Leader: decode every member's subscription, run the chosen assignor and
// send everyone's assignment. Each member's assignment is written in its own
// subscription's version (capped at ours): the layouts are identical, and an
// older member then reads a version it knows.
void GroupMembership::AssignAndSync(int64_t now_ms) {
  CAIRN_CHECK(awaiting_metadata_.has_value());
  const Assignor* assignor = FindAssignor(protocol_name_);
  if (assignor == nullptr) {
    Fail(errors::kInconsistentGroupProtocol, "the coordinator chose protocol '" + protocol_name_ +
                                                 "', which this member did not offer");
    return;
  }
  std::vector<MemberSubscription> members;
  std::map<std::string, int16_t> versions;
  for (const auto& m : *awaiting_metadata_) {
    int16_t version = 0;
    auto s = kafka::DecodeConsumerSubscription(m.metadata, &version);
    if (!s.ok()) {
      // One member's garbage must not stop the group: it subscribes to nothing.
      EmitError(0, absl::StrCat("member ", m.member_id, ": ", s.status().message()));
      s = Subscription{};
    }
    versions[m.member_id] = std::min(version, kafka::kConsumerProtocolMaxVersion);
    members.push_back({m.member_id, m.group_instance_id, std::move(*s)});
  }
  awaiting_metadata_.reset();
  PartitionCounts counts;
  for (const MemberSubscription& m : members) {
    for (const std::string& topic : m.subscription.topics) {
      auto it = metadata_.find(topic);
      counts[topic] = it == metadata_.end() ? 0 : it->second;
    }
  }
  assignment_snapshot_ = counts;
  std::vector<kafka::SyncGroupRequest::SyncGroupRequestAssignment> assignments;
  for (const auto& [member, partitions] : assignor->Assign(counts, members)) {
    Assignment a;
    a.assigned_partitions = GroupByTopic(partitions);
    assignments.push_back({member, kafka::EncodeConsumerAssignment(a, versions[member]), {}});
  }
  SendSync(now_ms, std::move(assignments));
}

void GroupMembership::OnSyncGroup(int64_t now_ms, const kafka::SyncGroupResponse& response) {
  if (!Accept(kSync) || state_ != State::kSyncing) return;
  const int16_t code = response.error_code;
  if (code == errors::kNone) {
    ApplyAssignment(now_ms, response);
    Step(now_ms);
    return;
  }
  if (code == errors::kRebalanceInProgress) {
    RejoinNow(now_ms);  // another member joined meanwhile; what we own is still ours
  } else if (code == errors::kUnknownMemberId || code == errors::kIllegalGeneration) {
    EmitError(code, "SyncGroup: the coordinator no longer knows this member or generation; rejoining");
    ResetGeneration(/*forget_member_id=*/code == errors::kUnknownMemberId);
    RejoinNow(now_ms);
  } else if (code == errors::kNotCoordinator || code == errors::kCoordinatorNotAvailable) {
    MarkCoordinatorUnknown(now_ms);
    RejoinNow(now_ms);
  } else if (errors::IsFatalGroupError(code)) {
    Fail(code, "SyncGroup failed");
    return;
  } else {
    EmitError(code, "SyncGroup failed; rejoining");
    RejoinNow(now_ms, config_.retry_backoff_ms);
  }
  Step(now_ms);
}

// Eager: owned_ is empty here (revoked before the join), so the whole
// assignment is new. Cooperative: revoke what was taken away, announce only
// what was added (always, even if nothing was: the application learns the
// rebalance ended), and rejoin at once if anything was revoked so that
// the partitions reach their new owners (KIP-429).
void GroupMembership::ApplyAssignment(int64_t now_ms, const kafka::SyncGroupResponse& response) {
  auto decoded = kafka::DecodeConsumerAssignment(response.assignment);
  state_ = State::kStable;
  last_heartbeat_ok_ms_ = now_ms;
  if (!decoded.ok()) {
    EmitError(0, std::string(decoded.status().message()));
    rejoin_needed_ = true;
    return;
  }
  const std::vector<TopicPartition> assigned = Flatten(decoded->assigned_partitions);
  const std::vector<TopicPartition> revoked = Minus(owned_, assigned);
  const std::vector<TopicPartition> added = Minus(assigned, owned_);
  owned_ = assigned;
  owned_generation_ = generation_;
  if (!revoked.empty()) Emit(GroupEvent::Type::kPartitionsRevoked, revoked);
  Emit(GroupEvent::Type::kPartitionsAssigned, protocol_ == RebalanceProtocol::kEager ? assigned : added);
  if (protocol_ == RebalanceProtocol::kCooperative && !revoked.empty()) RejoinNow(now_ms);
}

void GroupMembership::OnHeartbeat(int64_t now_ms, const kafka::HeartbeatResponse& response) {
  if (!Accept(kHeartbeat)) return;
  // Answers for an older generation, or arriving mid-rebalance, say nothing
  // about the current one; SyncGroup reports the same errors itself.
  if (state_ != State::kStable && state_ != State::kSyncing) return;
  if (heartbeat_generation_ != generation_) return;
  const int16_t code = response.error_code;
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
  if (code == errors::kNone || code == errors::kRebalanceInProgress) {
    last_heartbeat_ok_ms_ = now_ms;
    // Rejoin at the next poll; heartbeats go on until then.
    if (code == errors::kRebalanceInProgress && state_ == State::kStable) rejoin_needed_ = true;
    return;
  }
  if (state_ == State::kSyncing) return;
  if (code == errors::kUnknownMemberId || code == errors::kIllegalGeneration) {
    MemberGone(code, "Heartbeat");
  } else if (code == errors::kNotCoordinator || code == errors::kCoordinatorNotAvailable) {
    MarkCoordinatorUnknown(now_ms);
    Step(now_ms);
  } else if (errors::IsFatalGroupError(code)) {
    Fail(code, "Heartbeat failed");
  } else {
    EmitError(code, "Heartbeat failed; retrying");
    next_heartbeat_ms_ = now_ms + config_.retry_backoff_ms;
  }
}

void GroupMembership::OnCommitError(int64_t now_ms, int32_t generation, int16_t code) {
  (void)now_ms;
  if (generation != generation_ || state_ != State::kStable) return;
  if (code == errors::kUnknownMemberId || code == errors::kIllegalGeneration) {
    MemberGone(code, "OffsetCommit");
  } else if (code == errors::kRebalanceInProgress) {
    rejoin_needed_ = true;
  }
}

void GroupMembership::MemberGone(int16_t code, const char* what) {
  EmitError(code, absl::StrCat(what, ": the coordinator no longer knows this member or generation; rejoining"));
  ResetGeneration(/*forget_member_id=*/code == errors::kUnknownMemberId);
  state_ = State::kUnjoined;
  rejoin_needed_ = true;
}

void GroupMembership::OnLeaveGroup(int64_t now_ms, const kafka::LeaveGroupResponse& response) {
  (void)now_ms;
  if (!Accept(kLeave)) return;
  // We are gone either way; the coordinator expires us if it did not hear.
  if (response.error_code != errors::kNone) EmitError(response.error_code, "LeaveGroup failed");
}

void GroupMembership::OnRequestFailed(int64_t now_ms, kafka::ApiKey key) {
  Kind kind;
  switch (key) {
    case kafka::ApiKey::kFindCoordinator: kind = kFind; break;
    case kafka::ApiKey::kJoinGroup: kind = kJoin; break;
    case kafka::ApiKey::kSyncGroup: kind = kSync; break;
    case kafka::ApiKey::kHeartbeat: kind = kHeartbeat; break;
    case kafka::ApiKey::kLeaveGroup: kind = kLeave; break;
    default: CAIRN_CHECK(false) << "not a group API: " << static_cast<int>(key); return;
  }
  if (!Accept(kind) || state_ == State::kFailed || state_ == State::kClosed) return;
  if (kind == kFind) {
    find_at_ms_ = now_ms + config_.retry_backoff_ms;
  } else if (kind != kLeave) {
    // The coordinator connection failed: find the coordinator again, and
    // redo a rebalance that was under way.
    MarkCoordinatorUnknown(now_ms);
    if ((kind == kJoin && state_ == State::kJoining) || (kind == kSync && state_ == State::kSyncing)) {
      RejoinNow(now_ms);
    }
  }
  Step(now_ms);
}

}  // namespace cairn::client::group
