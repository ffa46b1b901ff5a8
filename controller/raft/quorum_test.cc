// MajorityConfig: commit index by quorum, vote tallies and check-quorum.
#include "controller/raft/quorum.h"

#include <doctest/doctest.h>

namespace cairn::raft {
namespace {

TEST_CASE("MajorityConfig: the committed index is the highest a majority has") {
  MajorityConfig five({NodeId(1), NodeId(2), NodeId(3), NodeId(4), NodeId(5)});
  std::map<NodeId, LogIndex> acked = {{NodeId(1), LogIndex(9)}, {NodeId(2), LogIndex(7)},
                                      {NodeId(3), LogIndex(5)}, {NodeId(4), LogIndex(2)}};
  CHECK(five.CommittedIndex([&](NodeId id) {
    auto it = acked.find(id);
    return it == acked.end() ? LogIndex(0) : it->second;
  }) == LogIndex(5));
}

TEST_CASE("MajorityConfig: tallies win, lose, or wait for missing votes") {
  MajorityConfig three({NodeId(3), NodeId(1), NodeId(2)});
  CHECK(three.Tally({{NodeId(1), true}}) == VoteResult::kPending);
  CHECK(three.Tally({{NodeId(1), true}, {NodeId(2), true}}) == VoteResult::kWon);
  CHECK(three.Tally({{NodeId(1), true}, {NodeId(2), false}}) == VoteResult::kPending);
  CHECK(three.Tally({{NodeId(1), true}, {NodeId(2), false}, {NodeId(3), false}}) == VoteResult::kLost);
  // A learner's (or stranger's) vote does not count.
  CHECK(three.Tally({{NodeId(1), true}, {NodeId(4), true}}) == VoteResult::kPending);
}

TEST_CASE("MajorityConfig: a quorum is active when a majority was heard from") {
  MajorityConfig three({NodeId(1), NodeId(2), NodeId(3)});
  CHECK(three.QuorumActive([](NodeId id) { return id == NodeId(1) || id == NodeId(3); }));
  CHECK_FALSE(three.QuorumActive([](NodeId id) { return id == NodeId(1); }));
  CHECK(three.QuorumSize() == 2);
}

}  // namespace
}  // namespace cairn::raft
