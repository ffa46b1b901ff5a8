// The Consumer's machinery on the client's io thread: group membership
// (client/group's GroupMembership driven with real requests), committed
// offset lookups and offset resets, fetching, and commits. The Consumer
// (consumer.cc) talks to it from the application thread through Run(), and
// waits for news with WaitForNews().
//
// Threading: every member except Run, WaitForNews and the constructor /
// Shutdown is for the io thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "client/client_core.h"
#include "client/consumer.h"
#include "client/consumer_assignment.h"
#include "client/fetch_buffer.h"
#include "client/fetch_planner.h"
#include "client/group/group_membership.h"

namespace cairn::client {

// A rebalance event for the application's listener.
struct RebalanceEvent {
  enum class Type { kRevoked, kAssigned, kLost };
  Type type;
  std::vector<TopicPartition> partitions;
};

// What one trip of Poll to the io thread brings back.
struct PollStep {
  std::vector<RebalanceEvent> events;  // deliver these first (then AckEvents)
  std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>> commit_callbacks;
  absl::Status error;                  // for Poll to return
  std::vector<ConsumerRecord> records;
  uint64_t news_seen = 0;              // for WaitForNews
};

class ConsumerEngine {
 public:
  ConsumerEngine(ConsumerConfig config, std::unique_ptr<ClientCore> core);
  ~ConsumerEngine();

  // ---- application thread ----
  // Runs `task` on the io thread and waits for its value.
  template <typename T>
  T Run(absl::AnyInvocable<T() &&> task) {
    return RunOnIoThread<T>(*core_, [task = std::move(task)](absl::AnyInvocable<void(T) &&> reply) mutable {
             std::move(reply)(std::move(task)());
           })
        .get();
  }
  // Waits until the io thread reports news (records, events, commits) after
  // `seen`, or until `until_ms` (steady clock).
  void WaitForNews(uint64_t seen, int64_t until_ms);
  // The news counter now (any thread).
  uint64_t news();
  // Stops the io thread (after which nothing may be Run).
  void Shutdown();
  ClientCore& core() { return *core_; }

  // ---- io thread ----
  absl::Status Subscribe(std::vector<std::string> topics);
  absl::Status Assign(const std::vector<TopicPartitionOffset>& partitions);
  absl::Status Unsubscribe();
  absl::Status Seek(const TopicPartition& tp, int64_t offset);
  absl::Status SeekToTimestamp(const TopicPartition& tp, int64_t timestamp);  // ListOffsets timestamp semantics
  // FailedPrecondition, changing nothing, when a partition is not assigned.
  absl::Status SetPaused(const std::vector<TopicPartition>& partitions, bool paused);
  PollStep Step(bool app_poll, size_t max_records);
  // After the application ran the listener for `events`: revoked partitions
  // go, and group requests held back behind the revocation go out.
  void AckEvents(const std::vector<RebalanceEvent>& events);
  // Commits `offsets` (next offset to read) to the group, retrying retriable
  // errors until `deadline_ms`.
  void Commit(std::vector<TopicPartitionOffset> offsets, int64_t deadline_ms,
              absl::AnyInvocable<void(absl::Status) &&> done);
  // Queues an asynchronous commit; its callback is queued for the
  // application (AddCommitCallback) after every earlier one's.
  void CommitAsync(std::vector<TopicPartitionOffset> offsets, int64_t deadline_ms,
                   std::function<void(absl::Status)> done);
  bool AsyncCommitsPending() const { return !async_commits_.empty(); }
  // Completes every queued asynchronous commit with Cancelled (Close).
  void CancelAsyncCommits();
  void FetchCommitted(std::vector<TopicPartition> partitions, int64_t deadline_ms,
                      absl::AnyInvocable<void(absl::StatusOr<std::vector<TopicPartitionOffset>>) &&> done);
  // Positions of partitions with a known position (offset -1 otherwise when `all`).
  std::vector<TopicPartitionOffset> Positions(bool all) const;
  // The assignment as the application knows it (Consumer::Assignment): every
  // partition held, less those whose OnAssigned still waits for Poll.
  std::vector<TopicPartitionOffset> AnnouncedAssignment() const;
  std::vector<TopicPartition> Paused() const;
  // Whether every one of `partitions` has a known position (or is gone).
  bool PositionsKnown(const std::vector<TopicPartition>& partitions) const;
  // Starts leaving: the membership revokes and sends LeaveGroup.
  void BeginClose();
  bool LeavePending() const { return leave_pending_ > 0; }
  void AddCommitCallback(std::function<void(absl::Status)> done, absl::Status status);
  const ConsumerConfig& config() const { return config_; }
  bool has_group() const { return membership_ != nullptr; }
  bool subscribed() const { return subscribed_; }

 private:
  // Group membership (consumer_engine_group.cc).
  void AfterMembership();
  void SendGroupRequest(group::GroupRequest request);
  template <typename Response, typename Request>
  void CallCoordinatorOfMembership(Request request, kafka::ApiKey key,
                                   void (group::GroupMembership::*on)(int64_t, const Response&));
  void RefreshGroupMetadata(std::vector<std::string> topics);
  // The offsets coordinator (own FindCoordinator; consumer_engine_commit.cc).
  void WithCoordinator(absl::AnyInvocable<void(absl::StatusOr<int32_t>) &&> then);
  // Whether the membership lets us commit now: REBALANCE_IN_PROGRESS while
  // rejoining, ILLEGAL_GENERATION without a live generation.
  absl::Status MayCommit() const;
  // The generation and member id a commit is sent with (generation -1 for a
  // "simple" consumer without them).
  struct CommitIdentity {
    int32_t generation = -1;
    std::string member_id;
  };
  CommitIdentity CommitIdentityNow() const;
  // Before the membership leaves (Close, Unsubscribe): keeps its generation
  // for commits until the revocation it emits has been acknowledged.
  void RememberLeavingGeneration();
  void SendNextAsyncCommit();
  void ForgetCoordinator() { offsets_coordinator_.reset(); }

  // Fetching and offset lookups (consumer_engine_fetch.cc).
  void Pump();
  void SendFetches();
  void OnFetchResponse(int32_t node, const std::map<TopicPartition, PlannedPartition>& planned,
                       absl::StatusOr<kafka::FetchResponse> response, ClientCore::RecordsInPlace records);
  void LookUpCommitted();
  void LookUpResets();
  void ResetByPolicy(const TopicPartition& tp);
  void RequestMetadata();
  int32_t LeaderOf(const TopicPartition& tp) const;
  void Later(int64_t delay_ms, absl::AnyInvocable<void() &&> task);
  void Tick();
  void Notify();

  // Declared first so it is destroyed last: the timer below is bound to its shard.
  std::unique_ptr<ClientCore> core_;
  const ConsumerConfig config_;
  FetchLimits limits_;
  std::unique_ptr<group::GroupMembership> membership_;
  std::unique_ptr<io::Timer> tick_timer_;

  bool subscribed_ = false;
  std::vector<std::string> topics_;
  ConsumerAssignment assignment_;
  FetchBuffer buffer_;
  std::set<int32_t> fetching_nodes_;
  std::set<TopicPartition> stale_leaders_;  // until the next metadata refresh
  bool metadata_in_flight_ = false;
  bool metadata_wanted_ = false;
  int64_t next_metadata_ms_ = 0;
  int64_t lookups_after_ms_ = 0;   // backoff after a failed lookup
  std::map<int32_t, int64_t> node_backoff_ms_;

  std::vector<group::GroupRequest> held_requests_;
  bool holding_ = false;
  std::vector<RebalanceEvent> app_events_;
  int leave_pending_ = 0;
  // Leaving (Close, Unsubscribe) resets the membership's generation at once,
  // but the LeaveGroup waits (held_requests_) until the application's
  // OnRevoked has run: commits made there still use the generation given up,
  // as the Java client's onPartitionsRevoked runs before it leaves.
  std::optional<CommitIdentity> leaving_identity_;

  std::optional<group::Coordinator> offsets_coordinator_;
  bool finding_coordinator_ = false;
  std::vector<absl::AnyInvocable<void(absl::StatusOr<int32_t>) &&>> coordinator_waiters_;

  struct AsyncCommit {
    uint64_t id = 0;
    std::vector<TopicPartitionOffset> offsets;
    int64_t deadline_ms = 0;
    std::function<void(absl::Status)> done;
    bool sent = false;
  };
  std::deque<AsyncCommit> async_commits_;  // the front one is in flight
  uint64_t next_async_commit_id_ = 0;

  absl::Status pending_error_;  // for the next Poll only
  absl::Status fatal_error_;    // a fatal group error: for every Poll
  std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>> commit_callbacks_;
  int64_t next_auto_commit_ms_ = 0;

  // Shared with the application thread.
  std::mutex news_mu_;
  std::condition_variable news_cv_;
  uint64_t news_ = 0;
};

// Partition counts for the group's leader from a metadata answer: topics
// with partitions, and 0 for topics the broker does not know (deleted).
// Topics with other errors (e.g. no leader yet) are left out.
group::PartitionCounts GroupPartitionCounts(const std::vector<TopicMetadata>& topics);

// The connection id the consumer uses for a group coordinator: separate from
// the fetch connection to the same broker (as the Java client does), so
// heartbeats and commits never queue behind a long-polling Fetch.
int32_t CoordinatorConnectionId(int32_t node_id);

}  // namespace cairn::client
