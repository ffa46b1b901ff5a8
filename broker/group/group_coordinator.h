// The group coordinator of one shard (DESIGN.md §7): every group whose
// __consumer_offsets partition this shard owns. It implements Kafka's classic
// group protocol — JoinGroup/SyncGroup/Heartbeat/LeaveGroup with
// generations, the required-member-id handshake (JoinGroup v4+), session and
// rebalance timeouts, static membership — and committed offsets.
//
// Pure logic: time comes from a Clock, durability from the Persist function
// (which appends records to a __consumer_offsets partition and calls back
// once they are durable or failed), and Tick() is called periodically to run
// the timeouts. Replies are callbacks that run exactly once, possibly later
// (a JoinGroup waits for the rebalance). State that must survive a restart is
// written before it is acknowledged: a commit is answered after its record is
// durable, a SyncGroup after the group's assignment is.
//
// Threading: one instance per shard, used only on that shard's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "broker/group/group.h"
#include "broker/group/offsets_records.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "proto/kafka/generated/delete_groups.h"
#include "proto/kafka/generated/describe_groups.h"
#include "proto/kafka/generated/heartbeat.h"
#include "proto/kafka/generated/leave_group.h"
#include "proto/kafka/generated/list_groups.h"
#include "proto/kafka/generated/offset_commit.h"
#include "proto/kafka/generated/offset_delete.h"
#include "proto/kafka/generated/offset_fetch.h"

namespace cairn::broker::group {

struct CoordinatorConfig {
  int32_t offsets_partitions = 50;          // offsets.topic.num.partitions
  int32_t min_session_timeout_ms = 6000;    // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000; // group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int32_t max_group_size = 2147483647;      // group.max.size
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;  // offsets.retention.minutes
  int32_t max_metadata_bytes = 4096;        // offset.metadata.max.bytes
  // The largest group metadata record (message.max.bytes of the topic): a
  // JoinGroup whose subscription could not be stored is refused up front.
  int32_t max_record_bytes = 1048588;
  uint64_t member_id_seed = 0;              // 0: random
};

// One record for __consumer_offsets; a null value is a tombstone.
struct OffsetsRecord {
  Buffer key;
  std::optional<Buffer> value;
};

// Appends `records` to the partition, calls `done` once they are durable.
// A failure is InvalidArgument when the records are too large for the
// partition (INVALID_COMMIT_OFFSET_SIZE), anything else when retrying may
// succeed (COORDINATOR_NOT_AVAILABLE).
using Persist = std::function<void(int32_t partition, std::vector<OffsetsRecord> records,
                                   absl::AnyInvocable<void(absl::Status) &&> done)>;
// Whether a topic partition exists (offsets for others are refused).
using PartitionExists = std::function<bool(const std::string& topic, int32_t partition)>;

// Who sent a request, for DescribeGroups.
struct ClientInfo {
  std::string client_id;
  std::string client_host;
};

// A committed offset as /metrics and lag tools see it.
struct CommittedView {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
};

class GroupCoordinator {
 public:
  GroupCoordinator(CoordinatorConfig config, const Clock& clock, Persist persist, PartitionExists partition_exists);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  int32_t PartitionFor(std::string_view group) const;

  // Loading: a partition's records are replayed in log order between
  // BeginLoad and FinishLoad; until then its groups answer
  // COORDINATOR_LOAD_IN_PROGRESS. A partition never begun is not ours
  // (NOT_COORDINATOR): the topic does not exist yet or another shard owns it.
  void BeginLoad(int32_t partition);
  // Applies one record; records that do not decode are skipped with a
  // warning (returned), never fatal: a coordinator must come up.
  absl::Status Replay(int32_t partition, ByteSpan key, const std::optional<ByteSpan>& value);
  void FinishLoad(int32_t partition);
  bool IsLoaded(int32_t partition) const { return loaded_.contains(partition); }
  // Gives every member of every loaded group a full session from now. The
  // broker calls it once clients can connect: loading happens before the
  // listeners open, and members cannot heartbeat a node that is still
  // opening its other partitions.
  void RestartSessions();

  // The Kafka APIs. `version` is the request's API version.
  void JoinGroup(const kafka::JoinGroupRequest& request, int16_t version, const ClientInfo& client, JoinReply reply);
  void SyncGroup(const kafka::SyncGroupRequest& request, int16_t version, SyncReply reply);
  kafka::HeartbeatResponse Heartbeat(const kafka::HeartbeatRequest& request);
  kafka::LeaveGroupResponse LeaveGroup(const kafka::LeaveGroupRequest& request, int16_t version);
  void OffsetCommit(const kafka::OffsetCommitRequest& request,
                    absl::AnyInvocable<void(kafka::OffsetCommitResponse) &&> reply);
  // Only groups held here; the caller gathers over shards.
  kafka::OffsetFetchResponse OffsetFetch(const kafka::OffsetFetchRequest& request, int16_t version);
  kafka::DescribeGroupsResponse::DescribedGroup DescribeGroup(const std::string& group_id);
  std::vector<kafka::ListGroupsResponse::ListedGroup> ListGroups() const;
  void DeleteGroup(const std::string& group_id, absl::AnyInvocable<void(int16_t error) &&> reply);
  void OffsetDelete(const kafka::OffsetDeleteRequest& request,
                    absl::AnyInvocable<void(kafka::OffsetDeleteResponse) &&> reply);

  // Runs due timeouts: expired sessions and pending member ids, and join
  // phases past their deadline. Call it often (every ~100 ms).
  void Tick();
  // Offsets of empty groups older than the retention are deleted
  // (tombstones written); empty groups left without offsets die. Call it
  // every offsets.retention.check.interval.ms.
  void ExpireOffsets();
  // The topics were deleted (or deleted and re-created): every loaded
  // group's offsets on them are deleted, tombstones written, as Kafka does,
  // so a topic made again under the same name does not start at the old
  // topic's offsets and group tools do not list partitions that are gone.
  void RemoveOffsetsOfTopics(const std::set<std::string>& topics);

  std::vector<CommittedView> Committed() const;
  size_t group_count() const { return groups_.size(); }

 private:
  Group* Find(const std::string& group_id);
  const Group* Find(const std::string& group_id) const;
  // NONE when the group's partition is loaded here, else the error to answer.
  int16_t CoordinatorError(const std::string& group_id) const;

  // Membership (group_coordinator.cc).
  void JoinUnknownMember(Group& group, const kafka::JoinGroupRequest& request, int16_t version,
                         const ClientInfo& client, JoinReply reply);
  void JoinKnownMember(Group& group, const kafka::JoinGroupRequest& request, const ClientInfo& client,
                       JoinReply reply);
  void AddMemberAndRebalance(Group& group, const kafka::JoinGroupRequest& request, const ClientInfo& client,
                             std::string member_id, JoinReply reply);
  void ReplaceStaticMember(Group& group, const kafka::JoinGroupRequest& request, const ClientInfo& client,
                           const std::string& old_member_id, JoinReply reply);
  void PrepareRebalance(Group& group);
  // A full session from now for the members of the groups in `partition`.
  void RestartSessionsIn(int32_t partition);
  void MaybeCompleteJoin(Group& group);
  void CompleteJoin(Group& group);
  void RemoveMember(Group& group, const std::string& member_id);
  void TransitionTo(Group& group, GroupState state);
  void StoreAssignment(Group& group);
  void PersistGroup(Group& group, absl::AnyInvocable<void(absl::Status) &&> done);
  kafka::JoinGroupResponse JoinResponseFor(const Group& group, const Member& member) const;
  std::string NewMemberId(const std::string& client_id);
  void TouchSession(Member& member);
  int16_t ValidateMember(const Group& group, const std::string& member_id,
                         const std::optional<std::string>& instance_id) const;

  // Offsets (group_offsets.cc).
  void CommitOffsets(Group& group, const kafka::OffsetCommitRequest& request,
                     absl::AnyInvocable<void(kafka::OffsetCommitResponse) &&> reply);
  void ReplayOffset(const OffsetKey& key, const std::optional<ByteSpan>& value);
  void ReplayGroup(const GroupKey& key, const std::optional<ByteSpan>& value);
  void RemoveOffsets(Group& group, std::vector<PartitionKey> partitions,
                     absl::AnyInvocable<void(absl::Status) &&> done);
  void DropIfEmptyWithoutOffsets(const std::string& group_id);

  CoordinatorConfig config_;
  const Clock& clock_;
  Persist persist_;
  PartitionExists partition_exists_;
  std::mt19937_64 random_;
  std::set<int32_t> loading_;
  std::set<int32_t> loaded_;
  std::map<std::string, std::unique_ptr<Group>, std::less<>> groups_;
  // Persist callbacks may outlive the coordinator (shutdown): they hold this
  // weakly and do nothing once it is gone.
  std::shared_ptr<bool> alive_;
};

}  // namespace cairn::broker::group
