// The simulator's own properties: runs replay exactly, seeds differ, and the
// invariant checks catch deliberately broken Raft cores.
#include "tests/sim/raft_simulation.h"

#include <doctest/doctest.h>

namespace cairn::raft::sim {
namespace {

SimOptions Options(uint64_t seed, int voters) {
  SimOptions options;
  options.seed = seed;
  options.voters = voters;
  return options;
}

TEST_CASE("Simulation: the same seed replays to the same trace hash") {
  for (int voters : {3, 5}) {
    const SimResult first = RunSimulation(Options(42, voters));
    const SimResult second = RunSimulation(Options(42, voters));
    REQUIRE(first.ok);
    CHECK(first.trace_hash == second.trace_hash);
    CHECK(first.stats.events == second.stats.events);
    CHECK(first.stats.committed_index == second.stats.committed_index);
  }
}

TEST_CASE("Simulation: different seeds take different paths") {
  const SimResult a = RunSimulation(Options(1, 3));
  const SimResult b = RunSimulation(Options(2, 3));
  CHECK(a.trace_hash != b.trace_hash);
}

TEST_CASE("Simulation: a healthy run elects a leader and applies the quiet-phase proposals") {
  const SimResult result = RunSimulation(Options(7, 5));
  REQUIRE_MESSAGE(result.ok, result.failure);
  CHECK(result.stats.leader_after_heal_ms >= 0);
  CHECK(result.stats.applied_after_leader_ms >= 0);
  CHECK(result.stats.committed_index > 5);
  CHECK(result.stats.elections_won > 0);
}

// Returns the first failure over a seed range, or "" if every seed passed.
std::string FirstFailure(const Mutations& mutations, int voters, uint64_t seeds) {
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    SimOptions options = Options(seed, voters);
    options.mutations = mutations;
    const SimResult result = RunSimulation(options);
    if (!result.ok) return result.failure;
  }
  return "";
}

TEST_CASE("Simulation: granting votes without the log check is caught") {
  Mutations mutations;
  mutations.vote_ignores_log = true;
  const std::string failure = FirstFailure(mutations, 5, 20);
  INFO(failure);
  CHECK(failure.find("invariant violated") != std::string::npos);
}

}  // namespace
}  // namespace cairn::raft::sim

namespace cairn::raft::sim {
namespace {

TEST_CASE("Simulation: a learner added and removed by conf changes ends up applying everything") {
  // Over a range of seeds, some draw a dynamic learner; each must pass, and
  // the conf changes must actually have been accepted.
  int dynamic_runs = 0;
  uint64_t conf_changes = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const SimResult result = RunSimulation(Options(seed, 3));
    REQUIRE_MESSAGE(result.ok, "seed " << seed << ": " << result.failure);
    if (!result.stats.dynamic_learner) continue;
    ++dynamic_runs;
    conf_changes += result.stats.conf_changes_accepted;
  }
  CHECK(dynamic_runs >= 3);
  CHECK(conf_changes >= static_cast<uint64_t>(2 * dynamic_runs));
}

}  // namespace
}  // namespace cairn::raft::sim
