// Configuration of one Raft node. Times are in ticks: the application calls
// Tick() at a fixed interval (the controller: every 100 ms, say), so the core
// never reads a clock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "controller/raft/storage.h"

namespace cairn::raft {

// Deliberate protocol bugs, off in every real configuration. They exist so
// the simulation can prove that its invariant checks catch real mistakes
// (a checker that never fails proves nothing).
struct Mutations {
  // Grant (pre-)votes without checking that the candidate's log is at least
  // as up to date (breaks leader completeness, §5.4.1).
  bool vote_ignores_log = false;
  // Commit an entry of an earlier term once a quorum holds it (the Figure 8
  // mistake of the Raft paper, §5.4.2).
  bool commit_counts_old_terms = false;
};

struct Config {
  NodeId id = kNoNode;
  // The durable log; not owned, must outlive the node.
  const Storage* storage = nullptr;
  // T: a follower that hears no leader campaigns after a timeout drawn
  // uniformly from [T, 2T); a leader steps down after T without a quorum.
  int election_tick = 10;
  int heartbeat_tick = 1;  // must be below election_tick
  // On restart: the last index the state machine has applied. At least the
  // snapshot in storage (the application restores its state from it).
  LogIndex applied;
  uint64_t max_append_bytes = uint64_t{1} << 20;               // per Append message
  size_t max_inflight_appends = 256;                           // per follower in kReplicate
  uint64_t max_committed_bytes_per_ready = uint64_t{64} << 20;  // per Ready
  bool pre_vote = true;
  bool check_quorum = true;
  // Seeds the election-timeout randomization: the core's only randomness.
  uint64_t random_seed = 0;
  Mutations mutations;

  absl::Status Validate() const;
};

}  // namespace cairn::raft
