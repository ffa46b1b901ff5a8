// The leader side of the Raft state machine: replication with flow control,
// commit, heartbeats, check-quorum, snapshots and leadership transfer.
#include "controller/raft/raft.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"

namespace cairn::raft {

void Raft::TickLeader() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_tick_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      const bool quorum_active = voters_.QuorumActive(
          [this](NodeId id) { return id == id_ || progress_.at(id).recent_active; });
      if (!quorum_active) {
        // Cut off from a quorum for a whole election timeout: another leader
        // may exist by now, so stop serving as one.
        BecomeFollower(term_, kNoNode);
        return;
      }
      for (auto& [id, pr] : progress_) pr.recent_active = id == id_;
    }
    // A transfer that has not finished within an election timeout failed.
    AbortLeaderTransfer();
  }
  if (heartbeat_elapsed_ >= heartbeat_tick_) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

absl::StatusOr<LogIndex> Raft::Propose(Buffer data) {
  Entry entry;
  entry.data = std::move(data);
  return ProposeEntry(std::move(entry));
}

absl::StatusOr<LogIndex> Raft::ProposeConfChange(ConfChange change) {
  if (role_ != Role::kLeader) return NotLeaderError(lead_);
  RETURN_IF_ERROR(CheckConfChange(change));
  if (pending_conf_index_ > log_.applied()) {
    return absl::FailedPreconditionError(
        absl::StrCat("raft: a configuration change at or before index ", pending_conf_index_.value(),
                     " is not applied yet (applied ", log_.applied().value(), "); one at a time"));
  }
  Entry entry;
  entry.type = EntryType::kConfChange;
  entry.conf_change = std::move(change);
  ASSIGN_OR_RETURN(LogIndex index, ProposeEntry(std::move(entry)));
  pending_conf_index_ = index;
  return index;
}

absl::StatusOr<LogIndex> Raft::ProposeEntry(Entry entry) {
  if (role_ != Role::kLeader) return NotLeaderError(lead_);
  if (lead_transferee_ != kNoNode) {
    return absl::UnavailableError(
        absl::StrCat("raft: leadership transfer to node ", lead_transferee_.value(), " in progress"));
  }
  AppendEntries({std::move(entry)});
  BroadcastAppend();
  return log_.LastIndex();
}

absl::Status Raft::CheckConfChange(const ConfChange& change) const {
  switch (change.type) {
    case ConfChangeType::kAddLearner:
    case ConfChangeType::kRemoveLearner:
      break;
    case ConfChangeType::kAddVoter:
    case ConfChangeType::kRemoveVoter:
      return absl::UnimplementedError(absl::StrCat(
          "raft: ", ConfChangeTypeName(change.type), " ", change.node.value(),
          ": voter changes need joint consensus, which is not supported yet"));
  }
  if (change.node == kNoNode || change.node.value() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("raft: ", ConfChangeTypeName(change.type),
                                                   " of invalid node ", change.node.value()));
  }
  if (voters_.Contains(change.node)) {
    return absl::InvalidArgumentError(
        absl::StrCat("raft: ", ConfChangeTypeName(change.type), " ", change.node.value(),
                     ": the node is a voter, and voter changes are not supported yet"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConfState> Raft::ApplyConfChange(const ConfChange& change) {
  RETURN_IF_ERROR(CheckConfChange(change));
  std::vector<NodeId>& learners = conf_state_.learners;
  const auto at = std::lower_bound(learners.begin(), learners.end(), change.node);
  const bool present = at != learners.end() && *at == change.node;
  if (change.type == ConfChangeType::kAddLearner && !present) {
    learners.insert(at, change.node);
    Progress pr(log_.LastIndex() + 1, max_inflight_appends_, /*learner=*/true);
    if (change.node == id_) pr.match = log_.LastIndex();
    progress_.emplace(change.node, std::move(pr));
    // Start replicating at once rather than at the next heartbeat.
    if (role_ == Role::kLeader) SendAppend(change.node, /*send_if_empty=*/true);
  } else if (change.type == ConfChangeType::kRemoveLearner && present) {
    learners.erase(at);
    progress_.erase(change.node);
  }
  return conf_state_;
}

absl::Status Raft::TransferLeadership(NodeId to) {
  if (role_ != Role::kLeader) return NotLeaderError(lead_);
  if (to == id_) return absl::OkStatus();
  if (!voters_.Contains(to)) {
    return absl::InvalidArgumentError(absl::StrCat("raft: node ", to.value(), " is not a voter"));
  }
  if (lead_transferee_ == to) return absl::OkStatus();
  lead_transferee_ = to;
  election_elapsed_ = 0;  // the transfer has one election timeout to finish
  if (progress_.at(to).match == log_.LastIndex()) {
    SendTimeoutNow(to);
  } else {
    SendAppend(to, /*send_if_empty=*/true);
  }
  return absl::OkStatus();
}

void Raft::ReportUnreachable(NodeId to) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(to);
  if (it == progress_.end()) return;
  if (it->second.state == ProgressState::kReplicate) it->second.BecomeProbe();
}

void Raft::ReportSnapshot(NodeId to, bool ok) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(to);
  if (it == progress_.end() || it->second.state != ProgressState::kSnapshot) return;
  Progress& pr = it->second;
  if (!ok) pr.pending_snapshot = LogIndex(0);  // resend from the match onwards
  pr.BecomeProbe();
  // Sent: wait for the follower's answer. Failed: wait for a heartbeat
  // response before trying again.
  pr.probe_sent = true;
}

void Raft::StepLeader(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) {
    Drop();  // not a member
    return;
  }
  switch (m.type) {
    case MessageType::kAppendResponse:
      HandleAppendResponse(m, it->second);
      return;
    case MessageType::kHeartbeatResponse:
      HandleHeartbeatResponse(m, it->second);
      return;
    default:
      Drop();  // late vote answers and the like
      return;
  }
}

LogIndex Raft::NextAfterRejection(const Message& m) const {
  if (m.conflict_term == Term(0)) return m.conflict_index;  // the follower's log is shorter
  // If we hold entries of the follower's conflicting term, our last one of
  // that term is where the two logs may still agree; if not, the follower's
  // whole run of that term must go.
  if (std::optional<LogIndex> last = log_.LastIndexOfTerm(m.conflict_term, m.index)) {
    return *last + 1;
  }
  return m.conflict_index;
}

void Raft::HandleAppendResponse(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    if (pr.MaybeDecreaseTo(m.index, NextAfterRejection(m))) SendAppend(m.from, true);
    return;
  }
  const bool was_paused = pr.IsPaused();
  // A probe answered at the index we already knew still proves the match.
  const bool probe_confirmed = pr.state == ProgressState::kProbe && pr.match == m.index;
  if (!pr.MaybeUpdate(m.index) && !probe_confirmed) return;  // stale
  switch (pr.state) {
    case ProgressState::kProbe:
      pr.BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      // Caught up far enough that entries can follow the snapshot.
      if (pr.match + 1 >= log_.FirstIndex()) pr.BecomeReplicate();
      break;
    case ProgressState::kReplicate:
      pr.inflights.FreeUpTo(m.index);
      break;
  }
  if (MaybeCommit()) {
    BroadcastAppend();  // followers learn the new commit index
  } else if (was_paused) {
    SendAppend(m.from, true);
  }
  // Stream whatever the window allows.
  while (SendAppend(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from);
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress& pr) {
  pr.recent_active = true;
  pr.probe_sent = false;
  // Appends may have been lost: free a slot so replication cannot stall.
  if (pr.state == ProgressState::kReplicate && pr.inflights.Full()) pr.inflights.FreeFirstOne();
  if (pr.match < log_.LastIndex() || pr.state == ProgressState::kProbe) SendAppend(m.from, true);
}

void Raft::AppendEntries(std::vector<Entry> entries) {
  LogIndex index = log_.LastIndex();
  for (Entry& entry : entries) {
    index = index + 1;
    entry.term = term_;
    entry.index = index;
  }
  log_.Append(entries);
  progress_.at(id_).MaybeUpdate(log_.LastIndex());
  MaybeCommit();  // a single voter commits at once
}

bool Raft::MaybeCommit() {
  const LogIndex quorum_index =
      voters_.CommittedIndex([this](NodeId id) { return progress_.at(id).match; });
  if (mutations_.commit_counts_old_terms) {
    if (quorum_index <= log_.committed()) return false;
    log_.CommitTo(quorum_index);
    return true;
  }
  return log_.MaybeCommit(quorum_index, term_);
}

bool Raft::SendAppend(NodeId to, bool send_if_empty) {
  Progress& pr = progress_.at(to);
  if (pr.IsPaused()) return false;
  absl::StatusOr<Term> prev_term = log_.TermAt(pr.next - 1);
  if (!prev_term.ok()) {
    CAIRN_CHECK(IsCompacted(prev_term.status())) << "term at " << pr.next - 1 << ": "
                                                 << prev_term.status();
    return SendSnapshot(to, pr);
  }
  absl::StatusOr<std::vector<Entry>> entries =
      log_.Slice(pr.next, log_.LastIndex() + 1, max_append_bytes_);
  if (!entries.ok()) return SendSnapshot(to, pr);
  if (entries->empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = pr.next - 1;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  m.entries = std::move(*entries);
  pr.SentAppend(m.entries.size(), m.entries.empty() ? LogIndex(0) : m.entries.back().index);
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(NodeId to, Progress& pr) {
  absl::StatusOr<Snapshot> snapshot = storage_->GetSnapshot();
  if (!snapshot.ok()) {
    CAIRN_CHECK(IsLogUnavailable(snapshot.status())) << "storage snapshot: " << snapshot.status();
    return false;  // not ready yet; the next heartbeat response retries
  }
  CAIRN_CHECK(!snapshot->IsEmpty()) << "entries compacted but no snapshot";
  pr.BecomeSnapshot(snapshot->metadata.index);
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  m.snapshot = std::move(*snapshot);
  Send(std::move(m));
  return true;
}

void Raft::BroadcastAppend() {
  for (const auto& [id, pr] : progress_) {
    if (id != id_) SendAppend(id, true);
  }
}

void Raft::BroadcastHeartbeat() {
  for (const auto& [id, pr] : progress_) {
    if (id == id_) continue;
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = id;
    // Never more than the follower is known to hold: entries past its match
    // may still differ from ours.
    m.commit = std::min(pr.match, log_.committed());
    Send(std::move(m));
  }
}

void Raft::SendTimeoutNow(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

}  // namespace cairn::raft
