// An in-memory Storage: the log for tests and simulations, where it stands for
// what a node has made durable. entries_[0] is a placeholder for the last
// entry covered by the snapshot, so its index and term stay readable after
// compaction.
#pragma once

#include <vector>

#include "controller/raft/storage.h"

namespace cairn::raft {

class MemoryStorage final : public Storage {
 public:
  // A fresh node of a cluster bootstrapped with this membership.
  explicit MemoryStorage(ConfState conf_state);

  // Storage.
  absl::StatusOr<InitialState> GetInitialState() const override;
  absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                             uint64_t max_bytes) const override;
  absl::StatusOr<Term> TermAt(LogIndex index) const override;
  LogIndex FirstIndex() const override;
  LogIndex LastIndex() const override;
  absl::StatusOr<Snapshot> GetSnapshot() const override;

  // --- writes, by the application processing a Ready ---
  void SetHardState(const HardState& hard_state);
  // Appends entries, replacing any suffix they conflict with. Entries already
  // compacted are ignored; a gap after the last index is a programmer error.
  void Append(const std::vector<Entry>& entries);
  // Replaces the whole log with a received snapshot. FailedPrecondition if the
  // snapshot is not newer than the one held.
  absl::Status ApplySnapshot(Snapshot snapshot);
  // Records the application's state at `index` (already applied, so within the
  // log) as the snapshot to serve. FailedPrecondition if not newer.
  absl::Status CreateSnapshot(LogIndex index, const ConfState& conf_state, Buffer data);
  // Discards entries up to and including `index`, which must not pass the
  // snapshot: a follower missing them must be able to catch up from it.
  absl::Status Compact(LogIndex index);

  const HardState& hard_state() const { return hard_state_; }

 private:
  LogIndex snapshot_index() const { return entries_.front().index; }

  HardState hard_state_;
  Snapshot snapshot_;
  std::vector<Entry> entries_;  // entries_[i] has index snapshot_index() + i
};

}  // namespace cairn::raft
