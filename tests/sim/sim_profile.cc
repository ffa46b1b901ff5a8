// Per-seed fault intensities; see sim_profile.h.
#include "tests/sim/sim_profile.h"

namespace cairn::raft::sim {

Profile DrawProfile(Prng& random) {
  Profile p;
  const double drops[] = {0, 0.01, 0.05, 0.1, 0.2};
  const double duplicates[] = {0, 0.02, 0.1};
  const int64_t delays_ms[] = {5, 10, 20, 50, 100};
  const int64_t disk_ms[] = {0, 2, 10};
  const double persist_crashes[] = {0, 0.002, 0.01};
  p.chaos_network.drop_probability = drops[random.Uniform(5)];
  p.chaos_network.duplicate_probability = duplicates[random.Uniform(3)];
  p.chaos_network.delay_min_ms = 1;
  p.chaos_network.delay_max_ms = delays_ms[random.Uniform(5)];
  p.disk_latency_max_ms = disk_ms[random.Uniform(3)];
  p.crash_while_persisting = persist_crashes[random.Uniform(3)];
  p.snapshot_every = 2 + random.Uniform(15);
  p.compaction_lag = random.Uniform(6);
  p.learner = random.Uniform(3) == 0;
  if (random.Uniform(3) == 0) p.max_append_bytes = 1;  // one entry per Append
  if (random.Uniform(3) == 0) p.max_inflight_appends = 2;
  // Drawn last so that every earlier field keeps its value for a seed.
  p.dynamic_learner = p.learner && random.Uniform(2) == 0;
  return p;
}

}  // namespace cairn::raft::sim
