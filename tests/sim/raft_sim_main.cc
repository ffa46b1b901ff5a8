// raft_sim: runs the deterministic Raft simulation for one seed or a range.
//   raft_sim --seed 17 --nodes 5 [--trace]
//   raft_sim --seeds 1..500 --nodes 3
//   raft_sim --seeds 1..50 --nodes 5 --mutation vote_ignores_log
// Prints one line per seed with its trace hash; for each failure, the
// command that replays it. Exit status 1 if any seed failed.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "tests/sim/raft_simulation.h"

namespace {

using cairn::raft::sim::ReplayFlags;
using cairn::raft::sim::RunSimulation;
using cairn::raft::sim::SimOptions;
using cairn::raft::sim::SimResult;

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "raft_sim: %s\nusage: raft_sim (--seed N | --seeds A..B) [--nodes 3|5] "
               "[--mutation vote_ignores_log|commit_counts_old_terms] [--trace] [--quiet]\n",
               why);
  std::exit(2);
}

uint64_t ParseSeed(const std::string& text) {
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) Usage("bad seed");
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  SimOptions options;
  uint64_t first = 1;
  uint64_t last = 1;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value");
      return argv[++i];
    };
    if (arg == "--seed") {
      first = last = ParseSeed(value());
    } else if (arg == "--seeds") {
      const std::string range = value();
      const size_t dots = range.find("..");
      if (dots == std::string::npos) Usage("--seeds wants A..B");
      first = ParseSeed(range.substr(0, dots));
      last = ParseSeed(range.substr(dots + 2));
      if (last < first) Usage("empty seed range");
    } else if (arg == "--nodes") {
      const std::string nodes = value();
      if (nodes != "3" && nodes != "5") Usage("--nodes is 3 or 5");
      options.voters = nodes == "3" ? 3 : 5;
    } else if (arg == "--mutation") {
      const std::string mutation = value();
      if (mutation == "vote_ignores_log") {
        options.mutations.vote_ignores_log = true;
      } else if (mutation == "commit_counts_old_terms") {
        options.mutations.commit_counts_old_terms = true;
      } else {
        Usage("unknown mutation");
      }
    } else if (arg == "--trace") {
      options.trace = true;
    } else if (arg == "--quiet") {
      quiet = true;  // only failures and the summary
    } else {
      Usage("unknown flag");
    }
  }
  uint64_t failures = 0;
  for (uint64_t seed = first; seed <= last; ++seed) {
    options.seed = seed;
    const SimResult result = RunSimulation(options);
    if (!quiet || !result.ok) {
      std::printf("seed=%llu nodes=%d%s hash=%016llx events=%llu crashes=%llu snapshots=%llu "
                  "leader_after_heal_ms=%lld applied_after_ms=%lld committed=%llu conf_changes=%llu %s\n",
                  static_cast<unsigned long long>(seed), options.voters,
                  result.stats.dynamic_learner ? "+dynamic-learner" : result.stats.learner ? "+learner" : "",
                  static_cast<unsigned long long>(result.trace_hash),
                  static_cast<unsigned long long>(result.stats.events),
                  static_cast<unsigned long long>(result.stats.crashes),
                  static_cast<unsigned long long>(result.stats.snapshots_installed),
                  static_cast<long long>(result.stats.leader_after_heal_ms),
                  static_cast<long long>(result.stats.applied_after_leader_ms),
                  static_cast<unsigned long long>(result.stats.committed_index),
                  static_cast<unsigned long long>(result.stats.conf_changes_accepted),
                  result.ok ? "ok" : "FAIL");
    }
    if (!result.ok) {
      ++failures;
      std::printf("  FAIL: %s\n  replay: %s %s --trace\n", result.failure.c_str(), argv[0],
                  ReplayFlags(options).c_str());
    }
  }
  std::printf("raft_sim: %llu of %llu seeds failed (nodes=%d)\n",
              static_cast<unsigned long long>(failures),
              static_cast<unsigned long long>(last - first + 1), options.voters);
  return failures == 0 ? 0 : 1;
}
