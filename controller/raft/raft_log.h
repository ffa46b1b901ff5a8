// The Raft log as the core sees it: the durable part (Storage) followed by the
// unstable tail, plus the commit and applied indexes.
// Invariants: applied <= committed <= last index; entries at or below
// committed never change; FirstIndex() - 1 is the snapshot's last entry.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/raft/storage.h"
#include "controller/raft/unstable_log.h"

namespace cairn::raft {

// Where a follower's log stops agreeing with an Append: its term at the
// rejected index (0 if its log is shorter) and the first index of that term.
struct ConflictHint {
  Term term;
  LogIndex first_index;
};

class RaftLog {
 public:
  RaftLog(const Storage* storage, uint64_t max_committed_bytes_per_ready);

  LogIndex FirstIndex() const;
  LogIndex LastIndex() const;
  Term LastTerm() const;
  // Term at `index` for FirstIndex() - 1 .. LastIndex(); CompactedError() or
  // UnavailableError() outside.
  absl::StatusOr<Term> TermAt(LogIndex index) const;
  // The same, with 0 for positions that are not held.
  Term TermOrZero(LogIndex index) const;
  bool MatchTerm(LogIndex index, Term term) const;
  // Whether a candidate whose last entry is (last_index, last_term) has a log
  // at least as up to date as ours (§5.4.1).
  bool IsUpToDate(LogIndex last_index, Term last_term) const;

  // Entries [lo, hi) within max_bytes (at least one); CompactedError() if lo
  // is before FirstIndex().
  absl::StatusOr<std::vector<Entry>> Slice(LogIndex lo, LogIndex hi, uint64_t max_bytes) const;

  // Follower: appends `entries` after (prev_index, prev_term) if our log has
  // that entry, commits up to min(commit, last new index) and returns the
  // last new index; nullopt if the preceding entry does not match.
  std::optional<LogIndex> MaybeAppend(LogIndex prev_index, Term prev_term, LogIndex commit,
                                      const std::vector<Entry>& entries);
  // Appends entries (indexes already set), replacing any conflicting suffix.
  void Append(const std::vector<Entry>& entries);
  ConflictHint ConflictHintAt(LogIndex rejected) const;
  // Leader: the last index at or before `at_or_before` holding `term`, if any.
  std::optional<LogIndex> LastIndexOfTerm(Term term, LogIndex at_or_before) const;

  // Commits `index` if its entry has `term` (leaders commit only entries of
  // their own term by counting replicas, §5.4.2).
  bool MaybeCommit(LogIndex index, Term term);
  void CommitTo(LogIndex index);
  void AppliedTo(LogIndex index);
  // Replaces the log with a snapshot received from the leader.
  void Restore(Snapshot snapshot);

  // What the next Ready carries.
  const std::vector<Entry>& UnstableEntries() const { return unstable_.entries(); }
  const std::optional<Snapshot>& UnstableSnapshot() const { return unstable_.snapshot(); }
  bool HasNextCommittedEntries() const;
  std::vector<Entry> NextCommittedEntries() const;
  void StableTo(LogIndex index, Term term) { unstable_.StableTo(index, term); }
  void StableSnapshotTo(LogIndex index) { unstable_.StableSnapshotTo(index); }

  LogIndex committed() const { return committed_; }
  LogIndex applied() const { return applied_; }

 private:
  // First entry of `entries` that our log does not hold with the same term.
  std::optional<size_t> FindConflict(const std::vector<Entry>& entries) const;

  const Storage* storage_;
  UnstableLog unstable_;
  LogIndex committed_;
  LogIndex applied_;
  uint64_t max_committed_bytes_per_ready_;
};

}  // namespace cairn::raft
