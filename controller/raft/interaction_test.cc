// Golden interaction transcripts (testdata/*.txt): scripted message delivery
// whose every Ready and message is compared with the checked-in text. Run
// with CAIRN_REWRITE_GOLDEN=1 to rewrite the files, then review the diff.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "controller/raft/testing/datadriven.h"
#include "controller/raft/testing/interaction_env.h"

namespace cairn::raft::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Returns the transcript the file produces now.
std::string Replay(const std::string& name) {
  const std::string path = std::string(CAIRN_RAFT_TESTDATA_DIR) + "/" + name;
  const std::string expected = ReadFile(path);
  InteractionEnv env;
  const std::string actual = RunScript(expected, [&env](const Command& c) { return env.Run(c); });
  const char* rewrite = std::getenv("CAIRN_REWRITE_GOLDEN");
  if (rewrite != nullptr && std::string(rewrite) == "1") {
    std::ofstream(path) << actual;
    return actual;
  }
  CHECK_MESSAGE(actual == expected, "transcript " << name << " differs; actual:\n" << actual);
  return actual;
}

void ReplayExpectingNoViolation(const std::string& name) {
  const std::string transcript = Replay(name);
  CHECK(transcript.find("VIOLATION") == std::string::npos);
}

TEST_CASE("Interaction: a three-node cluster elects a leader through pre-vote and commits") {
  ReplayExpectingNoViolation("election.txt");
}

TEST_CASE("Interaction: a partitioned node rejoins without disrupting the leader (pre-vote)") {
  ReplayExpectingNoViolation("prevote_rejoin.txt");
}

TEST_CASE("Interaction: a leader cut off from its quorum steps down (check-quorum)") {
  ReplayExpectingNoViolation("check_quorum.txt");
}

TEST_CASE("Interaction: a follower's conflicting log is repaired a term per round trip") {
  ReplayExpectingNoViolation("log_conflict.txt");
}

TEST_CASE("Interaction: an earlier term's entry on a majority is not committed (Figure 8)") {
  ReplayExpectingNoViolation("figure8.txt");
}

TEST_CASE("Interaction: committing an earlier term's entry by counting is caught by the checker") {
  const std::string transcript = Replay("figure8_mutation.txt");
  CHECK(transcript.find("VIOLATION: invariant violated: leader completeness: node 5 leads term 4 "
                        "without committed 2@t1:\"x\"") != std::string::npos);
}

TEST_CASE("Interaction: a follower behind the compacted log is sent a snapshot") {
  ReplayExpectingNoViolation("snapshot.txt");
}

TEST_CASE("Interaction: leadership transfers to a caught-up follower with TimeoutNow") {
  ReplayExpectingNoViolation("leader_transfer.txt");
}

TEST_CASE("Interaction: learners receive the committed log but never vote or count") {
  ReplayExpectingNoViolation("learners.txt");
}

TEST_CASE("Interaction: a learner is added and removed by conf change entries, one at a time") {
  ReplayExpectingNoViolation("conf_change.txt");
}

}  // namespace
}  // namespace cairn::raft::testing
