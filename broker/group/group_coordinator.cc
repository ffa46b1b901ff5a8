// Membership: the classic group protocol's state machine.
//
//   Empty ──join──▶ PreparingRebalance ──all joined / deadline──▶ CompletingRebalance
//     ▲                   ▲        │                                   │ leader's SyncGroup
//     │                   │        └── no members left ──▶ Empty       ▼ stored
//     └── last member ────┴──── join, leave, session expiry ◀──── Stable
//
// The transitions and the errors follow Kafka's GroupCoordinator, so clients
// see the answers they were written against.
#include "broker/group/group_coordinator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/group/coordinator_partition.h"
#include "broker/kafka_errors.h"
#include "common/check.h"
#include "common/logging.h"

namespace cairn::broker::group {
namespace {

constexpr int16_t E(KafkaError e) { return static_cast<int16_t>(e); }

std::vector<Protocol> ProtocolsOf(const kafka::JoinGroupRequest& request) {
  std::vector<Protocol> protocols;
  protocols.reserve(request.protocols.size());
  for (const auto& p : request.protocols) {
    protocols.push_back({p.name, std::string(p.metadata.begin(), p.metadata.end())});
  }
  return protocols;
}

size_t ProtocolBytes(const kafka::JoinGroupRequest& request) {
  size_t bytes = 0;
  for (const auto& p : request.protocols) bytes += p.name.size() + p.metadata.size();
  return bytes;
}

kafka::JoinGroupResponse JoinError(int16_t error, std::string member_id = "") {
  kafka::JoinGroupResponse response;
  response.error_code = error;
  response.generation_id = -1;
  response.member_id = std::move(member_id);
  return response;
}

kafka::SyncGroupResponse SyncError(int16_t error) {
  kafka::SyncGroupResponse response;
  response.error_code = error;
  return response;
}

Buffer ToBuffer(const std::string& s) { return Buffer(s.begin(), s.end()); }

// The timeouts a JoinGroup asks for; v0 has no rebalance timeout, and the
// session timeout serves for both.
void SetTimeouts(Member& member, const kafka::JoinGroupRequest& request) {
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms =
      request.rebalance_timeout_ms >= 0 ? request.rebalance_timeout_ms : request.session_timeout_ms;
}

}  // namespace

GroupCoordinator::GroupCoordinator(CoordinatorConfig config, const Clock& clock, Persist persist,
                                   PartitionExists partition_exists)
    : config_(config),
      clock_(clock),
      persist_(std::move(persist)),
      partition_exists_(std::move(partition_exists)),
      random_(config.member_id_seed != 0 ? config.member_id_seed : std::random_device{}()),
      alive_(std::make_shared<bool>(true)) {}

GroupCoordinator::~GroupCoordinator() = default;

int32_t GroupCoordinator::PartitionFor(std::string_view group) const {
  return CoordinatorPartitionFor(group, config_.offsets_partitions);
}

Group* GroupCoordinator::Find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

const Group* GroupCoordinator::Find(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

int16_t GroupCoordinator::CoordinatorError(const std::string& group_id) const {
  const int32_t partition = PartitionFor(group_id);
  if (loaded_.contains(partition)) return E(KafkaError::kNone);
  if (loading_.contains(partition)) return E(KafkaError::kCoordinatorLoadInProgress);
  return E(KafkaError::kNotCoordinator);
}

std::string GroupCoordinator::NewMemberId(const std::string& client_id) {
  // Kafka's shape: the client id, a dash, a random UUID.
  const uint64_t hi = random_();
  const uint64_t lo = random_();
  return absl::StrFormat("%s-%08x-%04x-%04x-%04x-%012x", client_id, hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

void GroupCoordinator::TouchSession(Member& member) {
  member.session_deadline_ms = clock_.NowMs() + member.session_timeout_ms;
}

void GroupCoordinator::TransitionTo(Group& group, GroupState state) {
  group.state = state;
  group.state_timestamp_ms = clock_.NowMs();
}

int16_t GroupCoordinator::ValidateMember(const Group& group, const std::string& member_id,
                                         const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    const std::string* current = group.StaticMemberId(*instance_id);
    if (current != nullptr && *current != member_id) return E(KafkaError::kFencedInstanceId);
  }
  if (!group.members.contains(member_id)) return E(KafkaError::kUnknownMemberId);
  return E(KafkaError::kNone);
}

// --- JoinGroup -------------------------------------------------------------

void GroupCoordinator::JoinGroup(const kafka::JoinGroupRequest& request, int16_t version, const ClientInfo& client,
                                 JoinReply reply) {
  if (request.group_id.empty()) return std::move(reply)(JoinError(E(KafkaError::kInvalidGroupId)));
  if (int16_t error = CoordinatorError(request.group_id); error != 0) return std::move(reply)(JoinError(error));
  if (request.session_timeout_ms < config_.min_session_timeout_ms ||
      request.session_timeout_ms > config_.max_session_timeout_ms) {
    return std::move(reply)(JoinError(E(KafkaError::kInvalidSessionTimeout)));
  }
  // The group's stored record holds every member's subscription: one that
  // could never be stored is refused now rather than failing every SyncGroup.
  if (ProtocolBytes(request) > static_cast<size_t>(config_.max_record_bytes)) {
    return std::move(reply)(JoinError(E(KafkaError::kMessageTooLarge)));
  }
  Group* group = Find(request.group_id);
  if (group == nullptr) {
    if (!request.member_id.empty()) return std::move(reply)(JoinError(E(KafkaError::kUnknownMemberId)));
    auto created = std::make_unique<Group>();
    created->id = request.group_id;
    created->state_timestamp_ms = clock_.NowMs();
    group = created.get();
    groups_.emplace(request.group_id, std::move(created));
  }
  if (group->Is(GroupState::kDead)) return std::move(reply)(JoinError(E(KafkaError::kCoordinatorNotAvailable)));
  if (!group->SupportsProtocols(request.protocol_type, ProtocolsOf(request))) {
    const bool empty = group->members.empty();
    std::move(reply)(JoinError(E(KafkaError::kInconsistentGroupProtocol)));
    if (empty && group->offsets.empty() && group->Is(GroupState::kEmpty)) groups_.erase(request.group_id);
    return;
  }
  if (request.member_id.empty()) {
    JoinUnknownMember(*group, request, version, client, std::move(reply));
  } else {
    JoinKnownMember(*group, request, client, std::move(reply));
  }
}

void GroupCoordinator::JoinUnknownMember(Group& group, const kafka::JoinGroupRequest& request, int16_t version,
                                         const ClientInfo& client, JoinReply reply) {
  if (request.group_instance_id) {
    if (const std::string* old_id = group.StaticMemberId(*request.group_instance_id)) {
      return ReplaceStaticMember(group, request, client, *old_id, std::move(reply));
    }
  }
  if (group.members.size() + group.pending_members.size() >= static_cast<size_t>(config_.max_group_size)) {
    return std::move(reply)(JoinError(E(KafkaError::kGroupMaxSizeReached)));
  }
  std::string member_id = NewMemberId(client.client_id);
  // JoinGroup v4+ (KIP-394): a dynamic member first learns its id and must
  // come back with it, so a client that never retries leaves no ghost member.
  if (version >= 4 && !request.group_instance_id) {
    group.pending_members[member_id] = clock_.NowMs() + request.session_timeout_ms;
    return std::move(reply)(JoinError(E(KafkaError::kMemberIdRequired), member_id));
  }
  AddMemberAndRebalance(group, request, client, std::move(member_id), std::move(reply));
}

void GroupCoordinator::JoinKnownMember(Group& group, const kafka::JoinGroupRequest& request,
                                       const ClientInfo& client, JoinReply reply) {
  if (group.pending_members.erase(request.member_id) > 0) {
    return AddMemberAndRebalance(group, request, client, request.member_id, std::move(reply));
  }
  if (int16_t error = ValidateMember(group, request.member_id, request.group_instance_id); error != 0) {
    return std::move(reply)(JoinError(error));
  }
  Member& member = group.members.at(request.member_id);
  const std::vector<Protocol> protocols = ProtocolsOf(request);
  const bool changed = protocols != member.protocols;
  SetTimeouts(member, request);
  TouchSession(member);
  switch (group.state) {
    case GroupState::kPreparingRebalance:
      member.protocols = protocols;
      AnswerParked(member.awaiting_join, JoinError(E(KafkaError::kRebalanceInProgress)));
      member.awaiting_join = std::move(reply);
      MaybeCompleteJoin(group);
      return;
    case GroupState::kCompletingRebalance:
      if (!changed) return std::move(reply)(JoinResponseFor(group, member));
      member.protocols = protocols;
      member.awaiting_join = std::move(reply);
      PrepareRebalance(group);
      return;
    case GroupState::kStable:
      if (!changed && !group.IsLeader(member.id)) return std::move(reply)(JoinResponseFor(group, member));
      // The leader rejoining (its subscription may have grown) or a changed
      // subscription needs a new assignment.
      member.protocols = protocols;
      member.awaiting_join = std::move(reply);
      PrepareRebalance(group);
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      return std::move(reply)(JoinError(E(KafkaError::kUnknownMemberId)));
  }
}

void GroupCoordinator::AddMemberAndRebalance(Group& group, const kafka::JoinGroupRequest& request,
                                             const ClientInfo& client, std::string member_id, JoinReply reply) {
  Member member;
  member.id = member_id;
  member.instance_id = request.group_instance_id;
  member.client_id = client.client_id;
  member.client_host = client.client_host;
  SetTimeouts(member, request);
  member.protocols = ProtocolsOf(request);
  member.join_order = group.next_join_order++;
  member.awaiting_join = std::move(reply);
  TouchSession(member);
  if (group.members.empty()) group.protocol_type = request.protocol_type;
  if (member.instance_id) group.static_members[*member.instance_id] = member_id;
  group.members.emplace(member_id, std::move(member));
  if (group.Is(GroupState::kPreparingRebalance)) {
    if (group.initial_delay) {
      // Each newcomer gives others another delay to arrive, within the
      // rebalance timeout.
      group.join_deadline_ms = std::min(clock_.NowMs() + config_.initial_rebalance_delay_ms,
                                        group.initial_rebalance_end_ms);
    }
    MaybeCompleteJoin(group);
  } else {
    PrepareRebalance(group);
  }
}

void GroupCoordinator::ReplaceStaticMember(Group& group, const kafka::JoinGroupRequest& request,
                                           const ClientInfo& client, const std::string& old_member_id,
                                           JoinReply reply) {
  // A restarted static member takes over its old identity under a new member
  // id; the old id is fenced. Its assignment stands, so a Stable group with
  // unchanged subscriptions needs no rebalance (KIP-345).
  Member member = std::move(group.members.at(old_member_id));
  group.members.erase(old_member_id);
  AnswerParked(member.awaiting_join, JoinError(E(KafkaError::kFencedInstanceId)));
  AnswerParked(member.awaiting_sync, SyncError(E(KafkaError::kFencedInstanceId)));
  const std::string new_id = NewMemberId(client.client_id);
  member.id = new_id;
  member.client_id = client.client_id;
  member.client_host = client.client_host;
  SetTimeouts(member, request);
  const std::vector<Protocol> protocols = ProtocolsOf(request);
  const bool changed = protocols != member.protocols;
  member.protocols = protocols;
  TouchSession(member);
  const bool was_leader = group.IsLeader(old_member_id);
  if (was_leader) group.leader = new_id;
  group.static_members[*request.group_instance_id] = new_id;
  auto [it, inserted] = group.members.emplace(new_id, std::move(member));
  CAIRN_CHECK(inserted);
  if (group.Is(GroupState::kStable) && !changed && !was_leader) {
    return std::move(reply)(JoinResponseFor(group, it->second));
  }
  it->second.awaiting_join = std::move(reply);
  if (group.Is(GroupState::kPreparingRebalance)) {
    MaybeCompleteJoin(group);
  } else {
    PrepareRebalance(group);
  }
}

kafka::JoinGroupResponse GroupCoordinator::JoinResponseFor(const Group& group, const Member& member) const {
  kafka::JoinGroupResponse response;
  response.generation_id = group.generation;
  response.protocol_name = group.protocol.value_or("");
  response.leader = group.leader.value_or("");
  response.member_id = member.id;
  if (group.IsLeader(member.id)) {
    for (const auto& [id, m] : group.members) {
      kafka::JoinGroupResponse::JoinGroupResponseMember entry;
      entry.member_id = id;
      entry.group_instance_id = m.instance_id;
      if (const std::string* metadata = m.MetadataFor(response.protocol_name)) entry.metadata = ToBuffer(*metadata);
      response.members.push_back(std::move(entry));
    }
  }
  return response;
}

void GroupCoordinator::PrepareRebalance(Group& group) {
  if (group.Is(GroupState::kCompletingRebalance)) {
    // The assignment being collected is void: members must join again.
    for (auto& [id, member] : group.members) {
      member.assignment.clear();
      AnswerParked(member.awaiting_sync, SyncError(E(KafkaError::kRebalanceInProgress)));
    }
  }
  const int64_t now = clock_.NowMs();
  group.initial_delay = group.Is(GroupState::kEmpty) && config_.initial_rebalance_delay_ms > 0;
  if (group.initial_delay) {
    group.initial_rebalance_end_ms = now + std::max(group.MaxRebalanceTimeoutMs(), config_.initial_rebalance_delay_ms);
    group.join_deadline_ms = std::min<int64_t>(now + config_.initial_rebalance_delay_ms, group.initial_rebalance_end_ms);
  } else {
    group.join_deadline_ms = now + group.MaxRebalanceTimeoutMs();
  }
  TransitionTo(group, GroupState::kPreparingRebalance);
  MaybeCompleteJoin(group);
}

void GroupCoordinator::MaybeCompleteJoin(Group& group) {
  if (!group.Is(GroupState::kPreparingRebalance) || group.initial_delay) return;
  if (group.AllMembersJoined()) CompleteJoin(group);
}

void GroupCoordinator::CompleteJoin(Group& group) {
  // Members that did not rejoin in time are out (static ones too: their
  // instance may come back under a new member id).
  std::vector<std::string> absent;
  for (const auto& [id, member] : group.members) {
    if (!member.awaiting_join) absent.push_back(id);
  }
  for (const std::string& id : absent) {
    const Member& member = group.members.at(id);
    if (member.instance_id) group.static_members.erase(*member.instance_id);
    if (group.IsLeader(id)) group.leader.reset();
    group.members.erase(id);
  }
  group.initial_delay = false;
  ++group.generation;
  if (group.members.empty()) {
    group.protocol.reset();
    group.leader.reset();
    TransitionTo(group, GroupState::kEmpty);
    PersistGroup(group, [](absl::Status) {});
    return;
  }
  group.protocol = group.SelectProtocol();
  if (!group.leader || !group.members.contains(*group.leader)) {
    const Member* first = nullptr;
    for (const auto& [id, member] : group.members) {
      if (first == nullptr || member.join_order < first->join_order) first = &member;
    }
    group.leader = first->id;
  }
  TransitionTo(group, GroupState::kCompletingRebalance);
  for (auto& [id, member] : group.members) {
    TouchSession(member);
    AnswerParked(member.awaiting_join, JoinResponseFor(group, member));
  }
}

// --- SyncGroup -------------------------------------------------------------

void GroupCoordinator::SyncGroup(const kafka::SyncGroupRequest& request, int16_t /*version*/, SyncReply reply) {
  if (int16_t error = CoordinatorError(request.group_id); error != 0) return std::move(reply)(SyncError(error));
  Group* group = Find(request.group_id);
  if (group == nullptr) return std::move(reply)(SyncError(E(KafkaError::kUnknownMemberId)));
  if (group->Is(GroupState::kDead)) return std::move(reply)(SyncError(E(KafkaError::kCoordinatorNotAvailable)));
  if (int16_t error = ValidateMember(*group, request.member_id, request.group_instance_id); error != 0) {
    return std::move(reply)(SyncError(error));
  }
  if (request.generation_id != group->generation) return std::move(reply)(SyncError(E(KafkaError::kIllegalGeneration)));
  Member& member = group->members.at(request.member_id);
  TouchSession(member);
  switch (group->state) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return std::move(reply)(SyncError(E(KafkaError::kUnknownMemberId)));
    case GroupState::kPreparingRebalance:
      return std::move(reply)(SyncError(E(KafkaError::kRebalanceInProgress)));
    case GroupState::kStable: {
      kafka::SyncGroupResponse response;
      response.assignment = ToBuffer(member.assignment);
      return std::move(reply)(std::move(response));
    }
    case GroupState::kCompletingRebalance:
      break;
  }
  AnswerParked(member.awaiting_sync, SyncError(E(KafkaError::kRebalanceInProgress)));
  member.awaiting_sync = std::move(reply);
  if (!group->IsLeader(member.id)) return;
  // The leader's assignment: members it left out get an empty one.
  for (auto& [id, m] : group->members) m.assignment.clear();
  for (const auto& a : request.assignments) {
    auto it = group->members.find(a.member_id);
    if (it != group->members.end()) it->second.assignment.assign(a.assignment.begin(), a.assignment.end());
  }
  StoreAssignment(*group);
}

void GroupCoordinator::StoreAssignment(Group& group) {
  const std::string group_id = group.id;
  const int32_t generation = group.generation;
  std::weak_ptr<bool> alive = alive_;
  PersistGroup(group, [this, alive, group_id, generation](absl::Status stored) {
    if (alive.expired()) return;
    Group* current = Find(group_id);
    // A rebalance that began meanwhile already answered the waiting members.
    if (current == nullptr || current->generation != generation ||
        !current->Is(GroupState::kCompletingRebalance)) {
      return;
    }
    if (!stored.ok()) {
      CAIRN_LOG(kWarning) << "group " << group_id << ": storing generation " << generation
                          << " failed: " << stored;
      for (auto& [id, member] : current->members) {
        AnswerParked(member.awaiting_sync, SyncError(E(KafkaError::kCoordinatorNotAvailable)));
      }
      PrepareRebalance(*current);
      return;
    }
    TransitionTo(*current, GroupState::kStable);
    for (auto& [id, member] : current->members) {
      kafka::SyncGroupResponse response;
      response.assignment = ToBuffer(member.assignment);
      AnswerParked(member.awaiting_sync, std::move(response));
    }
  });
}

void GroupCoordinator::PersistGroup(Group& group, absl::AnyInvocable<void(absl::Status) &&> done) {
  GroupValue value;
  value.protocol_type = group.protocol_type;
  value.generation = group.generation;
  value.protocol = group.protocol;
  value.leader = group.leader;
  value.current_state_timestamp = group.state_timestamp_ms;
  for (const auto& [id, member] : group.members) {
    MemberValue m;
    m.member_id = id;
    m.group_instance_id = member.instance_id;
    m.client_id = member.client_id;
    m.client_host = member.client_host;
    m.rebalance_timeout_ms = member.rebalance_timeout_ms;
    m.session_timeout_ms = member.session_timeout_ms;
    if (group.protocol) {
      if (const std::string* metadata = member.MetadataFor(*group.protocol)) m.subscription = *metadata;
    }
    m.assignment = member.assignment;
    value.members.push_back(std::move(m));
  }
  std::vector<OffsetsRecord> records;
  records.push_back({EncodeGroupKey({group.id}), EncodeGroupValue(value)});
  persist_(PartitionFor(group.id), std::move(records), std::move(done));
}

// --- Heartbeat and LeaveGroup ---------------------------------------------

kafka::HeartbeatResponse GroupCoordinator::Heartbeat(const kafka::HeartbeatRequest& request) {
  kafka::HeartbeatResponse response;
  if (int16_t error = CoordinatorError(request.group_id); error != 0) {
    response.error_code = error;
    return response;
  }
  Group* group = Find(request.group_id);
  if (group == nullptr || group->Is(GroupState::kEmpty)) {
    response.error_code = E(KafkaError::kUnknownMemberId);
  } else if (group->Is(GroupState::kDead)) {
    response.error_code = E(KafkaError::kCoordinatorNotAvailable);
  } else if (int16_t error = ValidateMember(*group, request.member_id, request.group_instance_id); error != 0) {
    response.error_code = error;
  } else if (request.generation_id != group->generation) {
    response.error_code = E(KafkaError::kIllegalGeneration);
  } else {
    TouchSession(group->members.at(request.member_id));
    // During the join phase the answer tells the member to rejoin.
    if (group->Is(GroupState::kPreparingRebalance)) response.error_code = E(KafkaError::kRebalanceInProgress);
  }
  return response;
}

kafka::LeaveGroupResponse GroupCoordinator::LeaveGroup(const kafka::LeaveGroupRequest& request, int16_t version) {
  std::vector<kafka::LeaveGroupRequest::MemberIdentity> leaving = request.members;
  if (version < 3) {
    kafka::LeaveGroupRequest::MemberIdentity single;
    single.member_id = request.member_id;
    leaving = {single};
  }
  kafka::LeaveGroupResponse response;
  if (int16_t error = CoordinatorError(request.group_id); error != 0) {
    response.error_code = error;
    return response;
  }
  Group* group = Find(request.group_id);
  if (group != nullptr && group->Is(GroupState::kDead)) {
    response.error_code = E(KafkaError::kCoordinatorNotAvailable);
    return response;
  }
  bool removed_any = false;
  for (const auto& identity : leaving) {
    kafka::LeaveGroupResponse::MemberResponse result;
    result.member_id = identity.member_id;
    result.group_instance_id = identity.group_instance_id;
    std::string member_id = identity.member_id;
    if (group == nullptr) {
      result.error_code = E(KafkaError::kUnknownMemberId);
    } else if (identity.group_instance_id) {
      const std::string* current = group->StaticMemberId(*identity.group_instance_id);
      if (current == nullptr) {
        result.error_code = E(KafkaError::kUnknownMemberId);
      } else if (!member_id.empty() && *current != member_id) {
        result.error_code = E(KafkaError::kFencedInstanceId);
      } else {
        member_id = *current;
      }
    } else if (group->pending_members.erase(member_id) > 0) {
      member_id.clear();  // never a full member: nothing else to undo
    } else if (!group->members.contains(member_id)) {
      result.error_code = E(KafkaError::kUnknownMemberId);
    }
    if (result.error_code == 0 && !member_id.empty()) {
      RemoveMember(*group, member_id);
      removed_any = true;
    }
    response.members.push_back(std::move(result));
  }
  if (version < 3) {
    response.error_code = response.members.front().error_code;
    response.members.clear();
  }
  if (removed_any) {
    if (group->Is(GroupState::kStable) || group->Is(GroupState::kCompletingRebalance)) {
      PrepareRebalance(*group);
    } else {
      MaybeCompleteJoin(*group);
    }
  }
  return response;
}

void GroupCoordinator::RemoveMember(Group& group, const std::string& member_id) {
  auto it = group.members.find(member_id);
  if (it == group.members.end()) return;
  Member& member = it->second;
  AnswerParked(member.awaiting_join, JoinError(E(KafkaError::kUnknownMemberId)));
  AnswerParked(member.awaiting_sync, SyncError(E(KafkaError::kUnknownMemberId)));
  if (member.instance_id) group.static_members.erase(*member.instance_id);
  group.members.erase(it);
  // A leader that leaves mid-join is replaced when the join completes.
  if (group.IsLeader(member_id) && group.Is(GroupState::kPreparingRebalance)) group.leader.reset();
}

// --- Timeouts --------------------------------------------------------------

void GroupCoordinator::Tick() {
  const int64_t now = clock_.NowMs();
  for (auto& [group_id, owned] : groups_) {
    Group& group = *owned;
    for (auto it = group.pending_members.begin(); it != group.pending_members.end();) {
      it = it->second <= now ? group.pending_members.erase(it) : std::next(it);
    }
    std::vector<std::string> expired;
    for (const auto& [id, member] : group.members) {
      // Waiting in a JoinGroup or SyncGroup is not silence: the rebalance
      // timeout bounds those waits.
      const bool waiting = (group.Is(GroupState::kPreparingRebalance) && member.awaiting_join) ||
                           (group.Is(GroupState::kCompletingRebalance) && member.awaiting_sync);
      if (!waiting && member.session_deadline_ms <= now) expired.push_back(id);
    }
    for (const std::string& id : expired) {
      CAIRN_LOG(kInfo) << "group " << group_id << ": member " << id << " session expired";
      RemoveMember(group, id);
    }
    if (!expired.empty() && (group.Is(GroupState::kStable) || group.Is(GroupState::kCompletingRebalance))) {
      PrepareRebalance(group);
    }
    if (group.Is(GroupState::kPreparingRebalance)) {
      if (group.join_deadline_ms <= now) {
        CompleteJoin(group);
      } else {
        MaybeCompleteJoin(group);
      }
    }
  }
}

}  // namespace cairn::broker::group
