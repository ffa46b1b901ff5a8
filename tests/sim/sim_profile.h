// How hard one simulation run is hit, drawn from its seed: network faults,
// disk latency, crashes while persisting, snapshot frequency, and rare paths
// made common (FoundationDB's BUGGIFY) such as one entry per Append.
#pragma once

#include <cstddef>
#include <cstdint>

#include "controller/raft/prng.h"
#include "tests/sim/sim_network.h"

namespace cairn::raft::sim {

struct Profile {
  NetworkFaults chaos_network;
  int64_t disk_latency_max_ms = 0;   // per Ready; 0: written at once
  double crash_while_persisting = 0;  // per Ready, during the fault phase
  uint64_t snapshot_every = 10;       // applied entries between snapshots
  uint64_t compaction_lag = 2;        // entries kept behind a snapshot
  bool learner = false;
  // With `learner`: the learner starts as a non-member and is added and
  // removed by conf change entries during the faults, and added for good
  // after healing (it must then apply every phase-2 proposal).
  bool dynamic_learner = false;
  uint64_t max_append_bytes = uint64_t{1} << 20;
  size_t max_inflight_appends = 256;
};

Profile DrawProfile(Prng& random);

}  // namespace cairn::raft::sim
