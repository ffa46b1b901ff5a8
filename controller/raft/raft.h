// The Raft state machine of one node (the paper's rules, in the style of
// etcd's raft.go): messages and ticks in, messages and log changes out. No
// I/O, no clock, no threads. Applications drive it through RawNode, which
// adds the Ready/Advance handshake; tests and the invariant checker read its
// state directly.
//
// Protocol anomalies (stale terms, answers to old requests, messages from
// unknown peers) are dropped and counted, never returned as errors.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/raft/config.h"
#include "controller/raft/message.h"
#include "controller/raft/prng.h"
#include "controller/raft/progress.h"
#include "controller/raft/quorum.h"
#include "controller/raft/raft_log.h"

namespace cairn::raft {

// The error a follower returns for a proposal; carries the leader it knows.
absl::Status NotLeaderError(NodeId leader);
// The leader hint of a NotLeaderError, if it had one.
NodeId LeaderHint(const absl::Status& status);
// Whether `status` is a NotLeaderError: the proposal was refused, never
// appended, so it is safe to send again.
bool IsNotLeaderError(const absl::Status& status);

class Raft {
 public:
  static absl::StatusOr<std::unique_ptr<Raft>> Create(const Config& config);

  absl::Status Step(Message message);
  void Tick();
  // Leader only: appends an entry; returns its index. The entry is committed
  // once a later Ready delivers it (same index, same term) as committed.
  absl::StatusOr<LogIndex> Propose(Buffer data);
  // Leader only: appends a configuration-change entry; returns its index.
  // Refused (FailedPrecondition) while an earlier change is not yet applied
  // (etcd's pendingConfIndex rule: one change at a time), and refused
  // (InvalidArgument / Unimplemented) when it would touch a voter: voter
  // changes need joint consensus, which is not built yet.
  absl::StatusOr<LogIndex> ProposeConfChange(ConfChange change);
  // The application applies a committed kConfChange entry: the membership
  // and the progress tracking change now, and the new ConfState is returned
  // (the application snapshots it). Deterministic and idempotent (a restart
  // re-applies the entries after its snapshot): adding a present learner or
  // removing an absent one changes nothing; a change that would touch a
  // voter is refused with the membership unchanged, on every node alike.
  absl::StatusOr<ConfState> ApplyConfChange(const ConfChange& change);
  // Starts an election now, as if the election timeout had passed.
  absl::Status Campaign();
  // Leader only: hands leadership to `to` once it has caught up, with
  // TimeoutNow. Proposals are refused until it succeeds or an election
  // timeout passes.
  absl::Status TransferLeadership(NodeId to);
  // The transport could not reach `to`: stop streaming, probe instead.
  void ReportUnreachable(NodeId to);
  // The transport finished (or failed) sending a snapshot to `to`.
  void ReportSnapshot(NodeId to, bool ok);

  // Messages produced since the last call.
  std::vector<Message> TakeMessages();
  bool HasMessages() const { return !messages_.empty(); }

  NodeId id() const { return id_; }
  Term term() const { return term_; }
  NodeId vote() const { return vote_; }
  NodeId lead() const { return lead_; }
  Role role() const { return role_; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  const RaftLog& log() const { return log_; }
  RaftLog& mutable_log() { return log_; }
  const ConfState& conf_state() const { return conf_state_; }
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  bool IsVoter() const { return voters_.Contains(id_); }
  uint64_t dropped_messages() const { return dropped_messages_; }

 private:
  enum class ElectionKind { kPreVote, kVote };

  Raft(const Config& config, const InitialState& state);

  // --- roles (raft.cc) ---
  void ResetForTerm(Term term);
  void BecomeFollower(Term term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void StartElection(ElectionKind kind, bool leadership_transfer);
  void ResetRandomizedElectionTimeout();
  void TickElection();
  void ApplyConfState(const ConfState& conf_state);
  // Whether `change` is one this core can apply to `conf_state_`.
  absl::Status CheckConfChange(const ConfChange& change) const;
  absl::StatusOr<LogIndex> ProposeEntry(Entry entry);

  // --- stepping (raft.cc) ---
  bool StepTerm(const Message& m);  // false when the message is dropped
  void HandleVoteRequest(const Message& m);
  void StepCandidate(const Message& m);
  void StepFollower(const Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(Message m);
  bool RestoreSnapshot(Snapshot snapshot);
  void Drop() { ++dropped_messages_; }
  void Send(Message m);

  // --- leader (raft_leader.cc) ---
  void TickLeader();
  void StepLeader(const Message& m);
  void HandleAppendResponse(const Message& m, Progress& pr);
  void HandleHeartbeatResponse(const Message& m, Progress& pr);
  LogIndex NextAfterRejection(const Message& m) const;
  void AppendEntries(std::vector<Entry> entries);
  bool MaybeCommit();
  bool SendAppend(NodeId to, bool send_if_empty);
  bool SendSnapshot(NodeId to, Progress& pr);
  void BroadcastAppend();
  void BroadcastHeartbeat();
  void SendTimeoutNow(NodeId to);
  void AbortLeaderTransfer() { lead_transferee_ = kNoNode; }

  const NodeId id_;
  const Storage* storage_;
  const int election_tick_;
  const int heartbeat_tick_;
  const uint64_t max_append_bytes_;
  const size_t max_inflight_appends_;
  const bool pre_vote_;
  const bool check_quorum_;
  const Mutations mutations_;
  Prng random_;

  Term term_;
  NodeId vote_ = kNoNode;
  NodeId lead_ = kNoNode;
  Role role_ = Role::kFollower;
  RaftLog log_;

  ConfState conf_state_;
  MajorityConfig voters_;
  std::map<NodeId, Progress> progress_;  // every voter and learner, self included
  std::map<NodeId, bool> votes_;         // this election's answers

  // Ticks since the last election timeout reset (followers: since hearing
  // from the leader; leaders: since the last check-quorum).
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  NodeId lead_transferee_ = kNoNode;
  // Leader: the index of the last conf change it may have appended and not
  // yet applied; a new one waits until applied reaches it. A new leader sets
  // it to its last index, since its log may hold an unapplied change.
  LogIndex pending_conf_index_;

  std::vector<Message> messages_;
  uint64_t dropped_messages_ = 0;
};

}  // namespace cairn::raft
