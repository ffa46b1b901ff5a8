// The tail of the Raft log not yet handed to Storage: entries (and at most one
// received snapshot) that the next Ready asks the application to persist.
// Invariant: entries_[i] has index offset_ + i, and offset_ is snapshot+1 when
// a snapshot is pending.
#pragma once

#include <optional>
#include <vector>

#include "controller/raft/types.h"

namespace cairn::raft {

class UnstableLog {
 public:
  explicit UnstableLog(LogIndex offset) : offset_(offset) {}

  // Index of the first entry a pending snapshot makes known, if any.
  std::optional<LogIndex> MaybeFirstIndex() const;
  std::optional<LogIndex> MaybeLastIndex() const;
  std::optional<Term> MaybeTerm(LogIndex index) const;

  // Appends, replacing whatever held the positions from entries[0].index on.
  void TruncateAndAppend(const std::vector<Entry>& entries);
  // Replaces everything with a snapshot received from the leader.
  void Restore(Snapshot snapshot);
  // The application persisted entries through (index, term) / the snapshot.
  void StableTo(LogIndex index, Term term);
  void StableSnapshotTo(LogIndex index);

  // Entries [lo, hi), which must all be unstable.
  std::vector<Entry> Slice(LogIndex lo, LogIndex hi) const;

  LogIndex offset() const { return offset_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  LogIndex offset_;
};

}  // namespace cairn::raft
