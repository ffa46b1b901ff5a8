// A deterministic simulation of a Raft cluster (DESIGN.md §11, reliability.md
// §4): 3 or 5 voters (and, on some seeds, a learner, on half of those added
// and removed at run time by conf change entries) in one thread, on a
// simulated clock, network and disk. Phase 1 injects faults: drops, delays,
// reordering, duplicates, symmetric and one-way partitions, crashes (also in
// the middle of persisting a Ready, losing what was not yet written), leader
// transfers and snapshots. Phase 2 heals everything and requires a leader
// within a bound and every proposal made then to be applied on all nodes.
// The invariant checker runs after every step. A seed replays exactly.
#pragma once

#include <cstdint>
#include <string>

#include "controller/raft/config.h"

namespace cairn::raft::sim {

struct SimOptions {
  uint64_t seed = 1;
  int voters = 3;
  Mutations mutations;
  bool trace = false;  // print every event to stdout
  int64_t chaos_ms = 1500;
  // After healing: a leader every node follows within this bound, then every
  // proposal applied on every node within the next.
  int64_t election_bound_ms = 3000;
  int64_t commit_bound_ms = 3000;
  int quiet_proposals = 5;
};

struct SimStats {
  uint64_t events = 0;
  uint64_t messages_delivered = 0;
  uint64_t crashes = 0;
  uint64_t crashes_while_persisting = 0;
  uint64_t elections_won = 0;
  uint64_t snapshots_installed = 0;
  uint64_t proposals_accepted = 0;
  int64_t leader_after_heal_ms = -1;
  int64_t applied_after_leader_ms = -1;
  uint64_t committed_index = 0;
  bool learner = false;
  bool dynamic_learner = false;   // added and removed by conf changes
  uint64_t conf_changes_accepted = 0;  // proposals a leader appended
};

struct SimResult {
  bool ok = true;
  std::string failure;  // the first violated invariant or liveness bound
  uint64_t trace_hash = 0;
  SimStats stats;
};

SimResult RunSimulation(const SimOptions& options);

// The command line that replays a run (the binary's flags).
std::string ReplayFlags(const SimOptions& options);

}  // namespace cairn::raft::sim
