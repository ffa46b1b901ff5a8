// The application's handle on a Raft node (etcd's RawNode): inputs (Tick,
// Step, Propose, ...) and the Ready/Advance handshake. Single-threaded; no
// I/O. Between GetReady() and Advance() no input may be given: buffer what
// arrives while a Ready is being persisted.
#pragma once

#include <memory>
#include <optional>

#include "controller/raft/raft.h"
#include "controller/raft/ready.h"

namespace cairn::raft {

class RawNode {
 public:
  // Reads the hard state, configuration and log from config.storage.
  static absl::StatusOr<std::unique_ptr<RawNode>> Create(const Config& config);

  // --- inputs ---
  void Tick();
  absl::Status Step(Message message);
  // Leader only (else NotLeaderError with the known leader, see LeaderHint()).
  absl::StatusOr<LogIndex> Propose(ByteSpan data);
  // Leader only: proposes a membership change (Raft::ProposeConfChange).
  absl::StatusOr<LogIndex> ProposeConfChange(ConfChange change);
  // Applies a committed kConfChange entry's change; returns the new
  // ConfState (Raft::ApplyConfChange). Unlike the other inputs it may be
  // called while a Ready's committed entries are being applied, between
  // GetReady() and Advance(), as etcd allows: it changes no log state that
  // the outstanding Ready describes.
  absl::StatusOr<ConfState> ApplyConfChange(const ConfChange& change);
  absl::Status Campaign();
  absl::Status TransferLeadership(NodeId to);
  void ReportUnreachable(NodeId to);
  void ReportSnapshot(NodeId to, bool ok);

  // --- outputs ---
  bool HasReady() const;
  Ready GetReady();
  // The application handled the Ready from GetReady() as ready.h describes.
  void Advance();

  const Raft& raft() const { return *raft_; }
  NodeId id() const { return raft_->id(); }

 private:
  explicit RawNode(std::unique_ptr<Raft> raft);
  void CheckNoReadyOutstanding() const;
  SoftState CurrentSoftState() const { return SoftState{raft_->lead(), raft_->role()}; }

  std::unique_ptr<Raft> raft_;
  SoftState last_soft_state_;
  HardState last_hard_state_;
  // What the outstanding Ready handed out, settled by Advance().
  bool ready_outstanding_ = false;
  std::optional<Entry> ready_last_entry_;  // index and term only
  std::optional<LogIndex> ready_snapshot_index_;
  std::optional<LogIndex> ready_applied_to_;
};

}  // namespace cairn::raft
