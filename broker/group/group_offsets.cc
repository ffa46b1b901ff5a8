// Committed offsets, group listing and deletion, loading from
// __consumer_offsets, and offset expiry.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/group/group_coordinator.h"
#include "broker/kafka_errors.h"
#include "common/logging.h"
#include "proto/kafka/consumer_protocol.h"

namespace cairn::broker::group {
namespace {

constexpr int16_t E(KafkaError e) { return static_cast<int16_t>(e); }

Buffer ToBuffer(const std::string& s) { return Buffer(s.begin(), s.end()); }

// What a failed write of __consumer_offsets tells the client (as Kafka maps
// its append errors): retriable, unless the records were too large (see
// Persist).
int16_t CommitErrorFor(const absl::Status& status) {
  if (absl::IsInvalidArgument(status)) return E(KafkaError::kInvalidCommitOffsetSize);
  return E(KafkaError::kCoordinatorNotAvailable);
}

kafka::OffsetCommitResponse CommitErrorForAll(const kafka::OffsetCommitRequest& request, int16_t error) {
  kafka::OffsetCommitResponse response;
  for (const auto& topic : request.topics) {
    kafka::OffsetCommitResponse::OffsetCommitResponseTopic t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      t.partitions.push_back({partition.partition_index, error, {}});
    }
    response.topics.push_back(std::move(t));
  }
  return response;
}

}  // namespace

// --- OffsetCommit ----------------------------------------------------------

void GroupCoordinator::OffsetCommit(const kafka::OffsetCommitRequest& request,
                                    absl::AnyInvocable<void(kafka::OffsetCommitResponse) &&> reply) {
  if (request.group_id.empty()) return std::move(reply)(CommitErrorForAll(request, E(KafkaError::kInvalidGroupId)));
  if (int16_t error = CoordinatorError(request.group_id); error != 0) {
    return std::move(reply)(CommitErrorForAll(request, error));
  }
  Group* group = Find(request.group_id);
  if (group == nullptr) {
    // A group that does not use the coordinator for membership (manual
    // assignment) commits with generation -1; anything else is stale.
    if (request.generation_id >= 0) {
      return std::move(reply)(CommitErrorForAll(request, E(KafkaError::kIllegalGeneration)));
    }
    auto created = std::make_unique<Group>();
    created->id = request.group_id;
    created->state_timestamp_ms = clock_.NowMs();
    group = created.get();
    groups_.emplace(request.group_id, std::move(created));
    return CommitOffsets(*group, request, std::move(reply));
  }
  int16_t error = 0;
  if (group->Is(GroupState::kDead)) {
    error = E(KafkaError::kCoordinatorNotAvailable);
  } else if (request.group_instance_id &&
             ValidateMember(*group, request.member_id, request.group_instance_id) == E(KafkaError::kFencedInstanceId)) {
    error = E(KafkaError::kFencedInstanceId);
  } else if (request.generation_id < 0 && group->Is(GroupState::kEmpty)) {
    error = 0;
  } else if (group->Is(GroupState::kCompletingRebalance)) {
    error = E(KafkaError::kRebalanceInProgress);
  } else if (!group->members.contains(request.member_id)) {
    error = E(KafkaError::kUnknownMemberId);
  } else if (request.generation_id != group->generation) {
    error = E(KafkaError::kIllegalGeneration);
  } else {
    TouchSession(group->members.at(request.member_id));
  }
  if (error != 0) return std::move(reply)(CommitErrorForAll(request, error));
  CommitOffsets(*group, request, std::move(reply));
}

void GroupCoordinator::CommitOffsets(Group& group, const kafka::OffsetCommitRequest& request,
                                     absl::AnyInvocable<void(kafka::OffsetCommitResponse) &&> reply) {
  const int64_t now = clock_.NowMs();
  kafka::OffsetCommitResponse response;
  std::vector<OffsetsRecord> records;
  std::vector<std::pair<PartitionKey, CommittedOffset>> accepted;
  // Where each accepted partition's answer sits in `response`.
  std::vector<std::pair<size_t, size_t>> slots;
  for (const auto& topic : request.topics) {
    kafka::OffsetCommitResponse::OffsetCommitResponseTopic t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      kafka::OffsetCommitResponse::OffsetCommitResponsePartition p;
      p.partition_index = partition.partition_index;
      const std::string metadata = partition.committed_metadata.value_or("");
      if (!partition_exists_(topic.name, partition.partition_index)) {
        p.error_code = E(KafkaError::kUnknownTopicOrPartition);
      } else if (metadata.size() > static_cast<size_t>(config_.max_metadata_bytes)) {
        p.error_code = E(KafkaError::kOffsetMetadataTooLarge);
      } else {
        CommittedOffset committed{partition.committed_offset, partition.committed_leader_epoch, metadata, now};
        records.push_back({EncodeOffsetKey({group.id, topic.name, partition.partition_index}),
                           EncodeOffsetValue({committed.offset, committed.leader_epoch, committed.metadata, now, -1})});
        accepted.push_back({{topic.name, partition.partition_index}, std::move(committed)});
        slots.push_back({response.topics.size(), t.partitions.size()});
      }
      t.partitions.push_back(std::move(p));
    }
    response.topics.push_back(std::move(t));
  }
  if (records.empty()) return std::move(reply)(std::move(response));
  std::weak_ptr<bool> alive = alive_;
  persist_(PartitionFor(group.id), std::move(records),
           [this, alive, group_id = group.id, accepted = std::move(accepted), slots = std::move(slots),
            response = std::move(response), reply = std::move(reply)](absl::Status stored) mutable {
             if (!stored.ok()) {
               for (auto [t, p] : slots) response.topics[t].partitions[p].error_code = CommitErrorFor(stored);
               return std::move(reply)(std::move(response));
             }
             if (!alive.expired()) {
               if (Group* current = Find(group_id)) {
                 for (auto& [key, committed] : accepted) current->offsets[key] = std::move(committed);
               }
             }
             std::move(reply)(std::move(response));
           });
}

// --- OffsetFetch -----------------------------------------------------------

kafka::OffsetFetchResponse GroupCoordinator::OffsetFetch(const kafka::OffsetFetchRequest& request,
                                                         int16_t version) {
  kafka::OffsetFetchResponse response;
  const int16_t error = CoordinatorError(request.group_id);
  const Group* group = error == 0 ? Find(request.group_id) : nullptr;
  auto fill = [&](kafka::OffsetFetchResponse::OffsetFetchResponsePartition& p, const std::string& topic) {
    p.committed_offset = -1;
    p.metadata = "";
    p.error_code = error;
    if (group == nullptr) return;
    auto it = group->offsets.find({topic, p.partition_index});
    if (it == group->offsets.end()) return;
    p.committed_offset = it->second.offset;
    p.committed_leader_epoch = it->second.leader_epoch;
    p.metadata = it->second.metadata;
  };
  if (request.topics) {
    for (const auto& topic : *request.topics) {
      kafka::OffsetFetchResponse::OffsetFetchResponseTopic t;
      t.name = topic.name;
      for (int32_t index : topic.partition_indexes) {
        kafka::OffsetFetchResponse::OffsetFetchResponsePartition p;
        p.partition_index = index;
        fill(p, topic.name);
        t.partitions.push_back(std::move(p));
      }
      response.topics.push_back(std::move(t));
    }
  } else if (group != nullptr) {
    // Every committed offset of the group (v2+: topics null).
    for (const auto& [key, committed] : group->offsets) {
      if (response.topics.empty() || response.topics.back().name != key.first) {
        kafka::OffsetFetchResponse::OffsetFetchResponseTopic t;
        t.name = key.first;
        response.topics.push_back(std::move(t));
      }
      kafka::OffsetFetchResponse::OffsetFetchResponsePartition p;
      p.partition_index = key.second;
      fill(p, key.first);
      response.topics.back().partitions.push_back(std::move(p));
    }
  }
  // v2+ carries a group-level error; v1 only the per-partition ones.
  if (version >= 2) response.error_code = error;
  return response;
}

// --- DescribeGroups, ListGroups --------------------------------------------

kafka::DescribeGroupsResponse::DescribedGroup GroupCoordinator::DescribeGroup(const std::string& group_id) {
  kafka::DescribeGroupsResponse::DescribedGroup described;
  described.group_id = group_id;
  described.error_code = CoordinatorError(group_id);
  if (described.error_code != 0) return described;
  const Group* group = Find(group_id);
  if (group == nullptr) {
    // Kafka describes an unknown group as Dead, without an error.
    described.group_state = GroupStateName(GroupState::kDead);
    return described;
  }
  described.group_state = GroupStateName(group->state);
  described.protocol_type = group->protocol_type;
  // Like Kafka: the protocol and member subscriptions/assignments only once
  // the group is Stable; during a rebalance they are in flux.
  const bool stable = group->Is(GroupState::kStable);
  if (stable) described.protocol_data = group->protocol.value_or("");
  for (const auto& [id, member] : group->members) {
    kafka::DescribeGroupsResponse::DescribedGroupMember m;
    m.member_id = id;
    m.group_instance_id = member.instance_id;
    m.client_id = member.client_id;
    m.client_host = member.client_host;
    if (stable) {
      if (const std::string* metadata = member.MetadataFor(*group->protocol)) m.member_metadata = ToBuffer(*metadata);
      m.member_assignment = ToBuffer(member.assignment);
    }
    described.members.push_back(std::move(m));
  }
  return described;
}

std::vector<kafka::ListGroupsResponse::ListedGroup> GroupCoordinator::ListGroups() const {
  std::vector<kafka::ListGroupsResponse::ListedGroup> listed;
  for (const auto& [id, group] : groups_) {
    if (group->Is(GroupState::kDead)) continue;
    if (!loaded_.contains(PartitionFor(id))) continue;
    listed.push_back({id, group->protocol_type, {}});
  }
  return listed;
}

// --- DeleteGroups, OffsetDelete --------------------------------------------

void GroupCoordinator::DeleteGroup(const std::string& group_id, absl::AnyInvocable<void(int16_t) &&> reply) {
  if (int16_t error = CoordinatorError(group_id); error != 0) return std::move(reply)(error);
  Group* group = Find(group_id);
  if (group == nullptr || group->Is(GroupState::kDead)) return std::move(reply)(E(KafkaError::kGroupIdNotFound));
  if (!group->Is(GroupState::kEmpty)) return std::move(reply)(E(KafkaError::kNonEmptyGroup));
  // Dead at once, so no join slips in while the tombstones are written.
  TransitionTo(*group, GroupState::kDead);
  std::vector<OffsetsRecord> records;
  for (const auto& [key, committed] : group->offsets) {
    records.push_back({EncodeOffsetKey({group_id, key.first, key.second}), std::nullopt});
  }
  records.push_back({EncodeGroupKey({group_id}), std::nullopt});
  std::weak_ptr<bool> alive = alive_;
  persist_(PartitionFor(group_id), std::move(records),
           [this, alive, group_id, reply = std::move(reply)](absl::Status stored) mutable {
             if (alive.expired()) return std::move(reply)(CommitErrorFor(stored));
             if (!stored.ok()) {
               // Nothing was deleted: the group is back as it was.
               if (Group* current = Find(group_id)) TransitionTo(*current, GroupState::kEmpty);
               return std::move(reply)(CommitErrorFor(stored));
             }
             groups_.erase(group_id);
             std::move(reply)(E(KafkaError::kNone));
           });
}

void GroupCoordinator::OffsetDelete(const kafka::OffsetDeleteRequest& request,
                                    absl::AnyInvocable<void(kafka::OffsetDeleteResponse) &&> reply) {
  kafka::OffsetDeleteResponse response;
  response.error_code = CoordinatorError(request.group_id);
  if (response.error_code != 0) return std::move(reply)(std::move(response));
  Group* group = Find(request.group_id);
  if (group == nullptr || group->Is(GroupState::kDead)) {
    response.error_code = E(KafkaError::kGroupIdNotFound);
    return std::move(reply)(std::move(response));
  }
  const bool active = !group->Is(GroupState::kEmpty);
  if (active && group->protocol_type != "consumer") {
    // Only a consumer group's subscriptions can be read to tell which
    // topics it still uses.
    response.error_code = E(KafkaError::kNonEmptyGroup);
    return std::move(reply)(std::move(response));
  }
  std::set<std::string> subscribed;
  if (active && group->protocol) {
    for (const auto& [id, member] : group->members) {
      const std::string* metadata = member.MetadataFor(*group->protocol);
      if (metadata == nullptr) continue;
      auto subscription = kafka::DecodeConsumerSubscription(
          ByteSpan(reinterpret_cast<const uint8_t*>(metadata->data()), metadata->size()));
      if (subscription.ok()) subscribed.insert(subscription->topics.begin(), subscription->topics.end());
    }
  }
  std::vector<PartitionKey> deleting;
  for (const auto& topic : request.topics) {
    kafka::OffsetDeleteResponse::OffsetDeleteResponseTopic t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      kafka::OffsetDeleteResponse::OffsetDeleteResponsePartition p;
      p.partition_index = partition.partition_index;
      if (!partition_exists_(topic.name, partition.partition_index)) {
        p.error_code = E(KafkaError::kUnknownTopicOrPartition);
      } else if (subscribed.contains(topic.name)) {
        p.error_code = E(KafkaError::kGroupSubscribedToTopic);
      } else if (group->offsets.contains({topic.name, partition.partition_index})) {
        deleting.push_back({topic.name, partition.partition_index});
      }
      t.partitions.push_back(std::move(p));
    }
    response.topics.push_back(std::move(t));
  }
  RemoveOffsets(*group, std::move(deleting),
                [response = std::move(response), reply = std::move(reply)](absl::Status stored) mutable {
                  if (!stored.ok()) response.error_code = CommitErrorFor(stored);
                  std::move(reply)(std::move(response));
                });
}

void GroupCoordinator::RemoveOffsets(Group& group, std::vector<PartitionKey> partitions,
                                     absl::AnyInvocable<void(absl::Status) &&> done) {
  if (partitions.empty()) return std::move(done)(absl::OkStatus());
  std::vector<OffsetsRecord> records;
  for (const PartitionKey& key : partitions) {
    records.push_back({EncodeOffsetKey({group.id, key.first, key.second}), std::nullopt});
  }
  std::weak_ptr<bool> alive = alive_;
  persist_(PartitionFor(group.id), std::move(records),
           [this, alive, group_id = group.id, partitions = std::move(partitions),
            done = std::move(done)](absl::Status stored) mutable {
             if (stored.ok() && !alive.expired()) {
               if (Group* current = Find(group_id)) {
                 for (const PartitionKey& key : partitions) current->offsets.erase(key);
               }
               DropIfEmptyWithoutOffsets(group_id);
             }
             std::move(done)(stored);
           });
}

// --- Expiry ----------------------------------------------------------------

void GroupCoordinator::ExpireOffsets() {
  const int64_t now = clock_.NowMs();
  std::vector<std::string> ids;
  for (const auto& [id, group] : groups_) ids.push_back(id);
  for (const std::string& id : ids) {
    Group* group = Find(id);
    if (group == nullptr || !group->Is(GroupState::kEmpty) || !loaded_.contains(PartitionFor(id))) continue;
    std::vector<PartitionKey> expired;
    for (const auto& [key, committed] : group->offsets) {
      // A group that never had members (manual assignment) keeps each offset
      // for the retention after its commit; a consumer group that emptied
      // keeps them all for the retention after it emptied (KIP-211).
      const int64_t since = group->protocol_type.empty() ? committed.commit_timestamp_ms : group->state_timestamp_ms;
      if (since + config_.offsets_retention_ms <= now) expired.push_back(key);
    }
    if (expired.empty()) {
      DropIfEmptyWithoutOffsets(id);
      continue;
    }
    CAIRN_LOG(kInfo) << "group " << id << ": " << expired.size() << " committed offsets expired";
    RemoveOffsets(*group, std::move(expired), [](absl::Status) {});
  }
}

void GroupCoordinator::RemoveOffsetsOfTopics(const std::set<std::string>& topics) {
  std::vector<std::string> ids;
  for (const auto& [id, group] : groups_) ids.push_back(id);
  for (const std::string& id : ids) {
    Group* group = Find(id);
    if (group == nullptr || !loaded_.contains(PartitionFor(id))) continue;
    std::vector<PartitionKey> gone;
    for (const auto& [key, committed] : group->offsets) {
      if (topics.contains(key.first)) gone.push_back(key);
    }
    if (gone.empty()) continue;
    CAIRN_LOG(kInfo) << "group " << id << ": deleting " << gone.size() << " committed offsets of deleted topics";
    RemoveOffsets(*group, std::move(gone), [id](absl::Status stored) {
      if (!stored.ok()) {
        CAIRN_LOG(kWarning) << "group " << id << ": offsets of deleted topics kept: " << stored;
      }
    });
  }
}

// An empty group with no offsets left is forgotten (as Kafka's periodic
// cleanup does), with a tombstone so a restart does not bring it back.
void GroupCoordinator::DropIfEmptyWithoutOffsets(const std::string& group_id) {
  Group* group = Find(group_id);
  if (group == nullptr || !group->Is(GroupState::kEmpty) || !group->offsets.empty() ||
      !group->pending_members.empty()) {
    return;
  }
  TransitionTo(*group, GroupState::kDead);
  std::vector<OffsetsRecord> records;
  records.push_back({EncodeGroupKey({group_id}), std::nullopt});
  std::weak_ptr<bool> alive = alive_;
  persist_(PartitionFor(group_id), std::move(records), [this, alive, group_id](absl::Status stored) {
    if (alive.expired()) return;
    Group* current = Find(group_id);
    if (current == nullptr || !current->Is(GroupState::kDead)) return;
    if (stored.ok()) {
      groups_.erase(group_id);
    } else {
      TransitionTo(*current, GroupState::kEmpty);
    }
  });
}

// --- Loading ---------------------------------------------------------------

void GroupCoordinator::BeginLoad(int32_t partition) {
  loaded_.erase(partition);
  loading_.insert(partition);
}

absl::Status GroupCoordinator::Replay(int32_t partition, ByteSpan key, const std::optional<ByteSpan>& value) {
  auto decoded = DecodeRecordKey(key);
  if (!decoded.ok()) {
    return absl::DataLossError(absl::StrCat("__consumer_offsets-", partition, ": skipping a record: ",
                                            decoded.status().message()));
  }
  if (auto* offset = std::get_if<OffsetKey>(&*decoded)) {
    ReplayOffset(*offset, value);
  } else {
    ReplayGroup(std::get<GroupKey>(*decoded), value);
  }
  return absl::OkStatus();
}

void GroupCoordinator::ReplayOffset(const OffsetKey& key, const std::optional<ByteSpan>& value) {
  Group* group = Find(key.group);
  if (!value) {
    if (group != nullptr) group->offsets.erase({key.topic, key.partition});
    return;
  }
  auto decoded = DecodeOffsetValue(*value);
  if (!decoded.ok()) {
    CAIRN_LOG(kWarning) << "group " << key.group << ": skipping an offset record: " << decoded.status();
    return;
  }
  if (group == nullptr) {
    auto created = std::make_unique<Group>();
    created->id = key.group;
    created->state_timestamp_ms = decoded->commit_timestamp;
    group = created.get();
    groups_.emplace(key.group, std::move(created));
  }
  group->offsets[{key.topic, key.partition}] =
      CommittedOffset{decoded->offset, decoded->leader_epoch, decoded->metadata, decoded->commit_timestamp};
}

void GroupCoordinator::ReplayGroup(const GroupKey& key, const std::optional<ByteSpan>& value) {
  if (!value) {
    groups_.erase(key.group);
    return;
  }
  auto decoded = DecodeGroupValue(*value);
  if (!decoded.ok()) {
    CAIRN_LOG(kWarning) << "group " << key.group << ": skipping a group record: " << decoded.status();
    return;
  }
  Group* group = Find(key.group);
  if (group == nullptr) {
    auto created = std::make_unique<Group>();
    created->id = key.group;
    group = created.get();
    groups_.emplace(key.group, std::move(created));
  }
  group->protocol_type = decoded->protocol_type;
  group->generation = decoded->generation;
  group->protocol = decoded->protocol;
  group->leader = decoded->leader;
  group->state_timestamp_ms = decoded->current_state_timestamp >= 0 ? decoded->current_state_timestamp : clock_.NowMs();
  group->members.clear();
  group->static_members.clear();
  for (const MemberValue& stored : decoded->members) {
    Member member;
    member.id = stored.member_id;
    member.instance_id = stored.group_instance_id;
    member.client_id = stored.client_id;
    member.client_host = stored.client_host;
    member.session_timeout_ms = stored.session_timeout_ms;
    member.rebalance_timeout_ms = stored.rebalance_timeout_ms;
    if (decoded->protocol) member.protocols.push_back({*decoded->protocol, stored.subscription});
    member.assignment = stored.assignment;
    member.join_order = group->next_join_order++;
    if (member.instance_id) group->static_members[*member.instance_id] = member.id;
    group->members.emplace(member.id, std::move(member));
  }
  group->state = group->members.empty() ? GroupState::kEmpty : GroupState::kStable;
}

void GroupCoordinator::FinishLoad(int32_t partition) {
  loading_.erase(partition);
  loaded_.insert(partition);
  // Members of loaded groups get a full session from now to reach the
  // coordinator again (the broker was down, not them).
  RestartSessionsIn(partition);
}

void GroupCoordinator::RestartSessions() {
  for (int32_t partition : loaded_) RestartSessionsIn(partition);
}

void GroupCoordinator::RestartSessionsIn(int32_t partition) {
  const int64_t now = clock_.NowMs();
  for (auto& [id, group] : groups_) {
    if (PartitionFor(id) != partition) continue;
    for (auto& [member_id, member] : group->members) member.session_deadline_ms = now + member.session_timeout_ms;
  }
}

std::vector<CommittedView> GroupCoordinator::Committed() const {
  std::vector<CommittedView> views;
  for (const auto& [id, group] : groups_) {
    for (const auto& [key, committed] : group->offsets) views.push_back({id, key.first, key.second, committed.offset});
  }
  return views;
}

}  // namespace cairn::broker::group
