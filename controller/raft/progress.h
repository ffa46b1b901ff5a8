// The leader's view of one peer's log (etcd's tracker.Progress): how far it
// matches, what to send next, and the flow-control state.
//   kProbe:     next is a guess; send one Append, then wait for its answer
//               or a heartbeat response.
//   kReplicate: the follower is known to match; stream Appends optimistically,
//               at most max_inflight unacknowledged ones.
//   kSnapshot:  a snapshot was sent; nothing more until it is acknowledged
//               or reported failed.
// Invariant: match < next.
#pragma once

#include <cstddef>
#include <deque>

#include "controller/raft/types.h"

namespace cairn::raft {

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };
const char* ProgressStateName(ProgressState state);

// Last indexes of the Appends sent in kReplicate and not yet acknowledged.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}
  void Add(LogIndex last_index);
  // Acknowledgement of everything up to `index`.
  void FreeUpTo(LogIndex index);
  void FreeFirstOne();
  bool Full() const { return sent_.size() >= capacity_; }
  size_t count() const { return sent_.size(); }
  void Reset() { sent_.clear(); }

 private:
  size_t capacity_;
  std::deque<LogIndex> sent_;  // increasing
};

struct Progress {
  Progress(LogIndex next_index, size_t max_inflight, bool learner)
      : next(next_index), is_learner(learner), inflights(max_inflight) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(LogIndex snapshot_index);
  // The peer acknowledged entries up to `index`; false if that is old news.
  bool MaybeUpdate(LogIndex index);
  // The peer rejected an Append whose preceding entry was `rejected`; the
  // leader derived `next_hint` from the conflict hint. False if stale;
  // otherwise the progress is in kProbe with a smaller next.
  bool MaybeDecreaseTo(LogIndex rejected, LogIndex next_hint);
  // An Append with `entry_count` entries ending at `last_index` was sent.
  void SentAppend(size_t entry_count, LogIndex last_index);
  bool IsPaused() const;

  LogIndex match;
  LogIndex next;
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;   // kProbe: an Append is awaiting its answer
  LogIndex pending_snapshot;  // kSnapshot: index of the snapshot sent
  bool recent_active = false;  // heard from within the current check-quorum window
  bool is_learner = false;
  Inflights inflights;
};

}  // namespace cairn::raft
