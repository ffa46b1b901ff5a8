// The Ready/Advance handshake around the Raft state machine; see raw_node.h.
#include "controller/raft/raw_node.h"

#include <utility>

#include "common/check.h"
#include "common/status_macros.h"

namespace cairn::raft {

absl::StatusOr<std::unique_ptr<RawNode>> RawNode::Create(const Config& config) {
  ASSIGN_OR_RETURN(std::unique_ptr<Raft> raft, Raft::Create(config));
  return std::unique_ptr<RawNode>(new RawNode(std::move(raft)));
}

RawNode::RawNode(std::unique_ptr<Raft> raft)
    : raft_(std::move(raft)),
      last_soft_state_(CurrentSoftState()),
      last_hard_state_(raft_->hard_state()) {}

void RawNode::CheckNoReadyOutstanding() const {
  CAIRN_CHECK(!ready_outstanding_) << "raft input between GetReady() and Advance()";
}

void RawNode::Tick() {
  CheckNoReadyOutstanding();
  raft_->Tick();
}

absl::Status RawNode::Step(Message message) {
  CheckNoReadyOutstanding();
  return raft_->Step(std::move(message));
}

absl::StatusOr<LogIndex> RawNode::Propose(ByteSpan data) {
  CheckNoReadyOutstanding();
  return raft_->Propose(Buffer(data.begin(), data.end()));
}

absl::StatusOr<LogIndex> RawNode::ProposeConfChange(ConfChange change) {
  CheckNoReadyOutstanding();
  return raft_->ProposeConfChange(std::move(change));
}

absl::StatusOr<ConfState> RawNode::ApplyConfChange(const ConfChange& change) {
  return raft_->ApplyConfChange(change);
}

absl::Status RawNode::Campaign() {
  CheckNoReadyOutstanding();
  return raft_->Campaign();
}

absl::Status RawNode::TransferLeadership(NodeId to) {
  CheckNoReadyOutstanding();
  return raft_->TransferLeadership(to);
}

void RawNode::ReportUnreachable(NodeId to) {
  CheckNoReadyOutstanding();
  raft_->ReportUnreachable(to);
}

void RawNode::ReportSnapshot(NodeId to, bool ok) {
  CheckNoReadyOutstanding();
  raft_->ReportSnapshot(to, ok);
}

bool RawNode::HasReady() const {
  const RaftLog& log = raft_->log();
  return CurrentSoftState() != last_soft_state_ || raft_->hard_state() != last_hard_state_ ||
         log.UnstableSnapshot().has_value() || !log.UnstableEntries().empty() ||
         log.HasNextCommittedEntries() || raft_->HasMessages();
}

Ready RawNode::GetReady() {
  CheckNoReadyOutstanding();
  Ready ready;
  const SoftState soft_state = CurrentSoftState();
  if (soft_state != last_soft_state_) ready.soft_state = soft_state;
  const HardState hard_state = raft_->hard_state();
  if (hard_state != last_hard_state_) ready.hard_state = hard_state;
  const RaftLog& log = raft_->log();
  ready.snapshot = log.UnstableSnapshot();
  ready.entries = log.UnstableEntries();
  ready.committed_entries = log.NextCommittedEntries();
  ready.messages = raft_->TakeMessages();

  last_soft_state_ = soft_state;
  last_hard_state_ = hard_state;
  ready_outstanding_ = true;
  ready_last_entry_.reset();
  if (!ready.entries.empty()) {
    ready_last_entry_ = Entry{ready.entries.back().term, ready.entries.back().index, EntryType::kNormal, {}};
  }
  ready_snapshot_index_.reset();
  if (ready.snapshot) ready_snapshot_index_ = ready.snapshot->metadata.index;
  ready_applied_to_.reset();
  if (ready.snapshot) ready_applied_to_ = ready.snapshot->metadata.index;
  if (!ready.committed_entries.empty()) ready_applied_to_ = ready.committed_entries.back().index;
  return ready;
}

void RawNode::Advance() {
  CAIRN_CHECK(ready_outstanding_) << "Advance() without GetReady()";
  ready_outstanding_ = false;
  RaftLog& log = raft_->mutable_log();
  if (ready_snapshot_index_) log.StableSnapshotTo(*ready_snapshot_index_);
  if (ready_last_entry_) log.StableTo(ready_last_entry_->index, ready_last_entry_->term);
  if (ready_applied_to_) log.AppliedTo(*ready_applied_to_);
}

}  // namespace cairn::raft
