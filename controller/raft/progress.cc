// Per-peer replication progress; see progress.h.
#include "controller/raft/progress.h"

#include <algorithm>

#include "common/check.h"

namespace cairn::raft {

const char* ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe: return "Probe";
    case ProgressState::kReplicate: return "Replicate";
    case ProgressState::kSnapshot: return "Snapshot";
  }
  return "?";
}

void Inflights::Add(LogIndex last_index) {
  CAIRN_CHECK(!Full()) << "inflight window full";
  CAIRN_CHECK(sent_.empty() || sent_.back() < last_index) << "inflights out of order";
  sent_.push_back(last_index);
}

void Inflights::FreeUpTo(LogIndex index) {
  while (!sent_.empty() && sent_.front() <= index) sent_.pop_front();
}

void Inflights::FreeFirstOne() {
  if (!sent_.empty()) sent_.pop_front();
}

void Progress::BecomeProbe() {
  // After a snapshot the peer holds at least the snapshot's entries.
  const LogIndex after_snapshot = state == ProgressState::kSnapshot ? pending_snapshot + 1 : LogIndex(0);
  next = std::max(match + 1, after_snapshot);
  state = ProgressState::kProbe;
  probe_sent = false;
  pending_snapshot = LogIndex(0);
  inflights.Reset();
}

void Progress::BecomeReplicate() {
  next = match + 1;
  state = ProgressState::kReplicate;
  probe_sent = false;
  pending_snapshot = LogIndex(0);
  inflights.Reset();
}

void Progress::BecomeSnapshot(LogIndex snapshot_index) {
  state = ProgressState::kSnapshot;
  probe_sent = false;
  pending_snapshot = snapshot_index;
  inflights.Reset();
}

bool Progress::MaybeUpdate(LogIndex index) {
  bool updated = false;
  if (match < index) {
    match = index;
    probe_sent = false;
    updated = true;
  }
  next = std::max(next, index + 1);
  return updated;
}

bool Progress::MaybeDecreaseTo(LogIndex rejected, LogIndex next_hint) {
  switch (state) {
    case ProgressState::kSnapshot:
      return false;  // the snapshot's answer will tell
    case ProgressState::kReplicate:
      if (rejected <= match) return false;  // an Append from before the match was known
      // Appends were lost or reordered; the match itself is still right.
      BecomeProbe();
      return true;
    case ProgressState::kProbe:
      if (next - 1 != rejected) return false;  // answer to an older probe
      // At least one step back (the rejected entry cannot precede next again),
      // never behind what is known to match.
      next = std::max(match + 1, std::min(next_hint, rejected));
      probe_sent = false;
      return true;
  }
  return false;
}

void Progress::SentAppend(size_t entry_count, LogIndex last_index) {
  switch (state) {
    case ProgressState::kReplicate:
      if (entry_count > 0) {
        next = last_index + 1;
        inflights.Add(last_index);
      }
      break;
    case ProgressState::kProbe:
      probe_sent = true;  // even an empty probe: wait for its answer
      break;
    case ProgressState::kSnapshot:
      CAIRN_CHECK(false) << "sending entries while a snapshot is pending";
  }
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe: return probe_sent;
    case ProgressState::kReplicate: return inflights.Full();
    case ProgressState::kSnapshot: return true;
  }
  return true;
}

}  // namespace cairn::raft
