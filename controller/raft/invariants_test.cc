// InvariantChecker: each safety property is reported when broken (a checker
// that cannot fail proves nothing).
#include "controller/raft/invariants.h"

#include <doctest/doctest.h>

#include "controller/raft/memory_storage.h"
#include "controller/raft/raw_node.h"

namespace cairn::raft {
namespace {

// A single-voter node that has led `terms` elections: it leads the last one.
struct LoneLeader {
  LoneLeader(NodeId id, uint64_t earlier_terms) : storage(ConfState{{id}, {}}) {
    storage.SetHardState(HardState{Term(earlier_terms), kNoNode, LogIndex(0)});
    Config config;
    config.id = id;
    config.storage = &storage;
    node = std::move(*RawNode::Create(config));
    REQUIRE(node->Campaign().ok());
  }
  MemoryStorage storage;
  std::unique_ptr<RawNode> node;
};

bool Mentions(const absl::Status& status, const char* invariant) {
  return absl::IsFailedPrecondition(status) &&
         std::string(status.message()).find(invariant) != std::string::npos;
}

TEST_CASE("InvariantChecker: two leaders in one term break election safety") {
  InvariantChecker checker;
  LoneLeader a(NodeId(1), 0);
  LoneLeader b(NodeId(2), 0);
  REQUIRE(a.node->raft().term() == b.node->raft().term());
  CHECK(checker.CheckNode(a.node->raft()).ok());
  CHECK(checker.CheckNode(a.node->raft()).ok());  // the same leader again is fine
  CHECK(Mentions(checker.CheckNode(b.node->raft()), "election safety"));
}

TEST_CASE("InvariantChecker: a different entry committed at an index breaks commit stability") {
  InvariantChecker checker;
  LoneLeader a(NodeId(1), 1);  // commits 1@t2
  LoneLeader b(NodeId(2), 0);  // commits 1@t1; as leader of the earlier term it owes nothing
  CHECK(checker.CheckNode(a.node->raft()).ok());
  CHECK(checker.committed_index() == LogIndex(1));
  CHECK(Mentions(checker.CheckNode(b.node->raft()), "commit stability"));
}

TEST_CASE("InvariantChecker: a node rewriting its log at or below its commit index breaks commit stability") {
  InvariantChecker checker;
  LoneLeader a(NodeId(1), 0);  // commits 1@t1
  CHECK(checker.CheckNode(a.node->raft()).ok());
  Ready ready;
  ready.entries = {Entry{Term(1), LogIndex(1), EntryType::kNormal, Buffer{'z'}}};
  CHECK(Mentions(checker.CheckReady(a.node->raft(), ready), "commit stability"));
}

TEST_CASE("InvariantChecker: a lagging node may still write a stale entry where another was committed") {
  // Found by the simulator (3 voters + learner, seed 4832): a learner that
  // has not heard of term 2 accepts 4@t1 from the old leader after 4@t2 was
  // committed. That is legal Raft; the new leader overwrites it later.
  InvariantChecker checker;
  LoneLeader a(NodeId(1), 1);  // commits 1@t2
  CHECK(checker.CheckNode(a.node->raft()).ok());
  MemoryStorage storage(ConfState{{NodeId(1), NodeId(2), NodeId(3)}, {}});
  Config config;
  config.id = NodeId(2);
  config.storage = &storage;
  std::unique_ptr<RawNode> lagging = std::move(*RawNode::Create(config));
  Ready ready;
  ready.entries = {Entry{Term(1), LogIndex(1), EntryType::kNormal, Buffer{'x'}}};
  CHECK(checker.CheckReady(lagging->raft(), ready).ok());
}

TEST_CASE("InvariantChecker: a leader lacking an entry committed earlier breaks leader completeness") {
  InvariantChecker checker;
  LoneLeader a(NodeId(1), 0);
  REQUIRE(a.node->Propose(AsBytes("x")).ok());  // commits 1@t1 and 2@t1
  CHECK(checker.CheckNode(a.node->raft()).ok());
  // Node 2 leads term 3 with a log of one entry: it lacks 2@t1.
  LoneLeader b(NodeId(2), 2);
  const absl::Status status = checker.CheckNode(b.node->raft());
  CHECK(Mentions(status, "leader completeness"));
}

TEST_CASE("InvariantChecker: the same index and term with different contents break log matching") {
  InvariantChecker checker;
  MemoryStorage storage(ConfState{{NodeId(1), NodeId(2), NodeId(3)}, {}});
  Config config;
  config.storage = &storage;
  config.id = NodeId(1);
  std::unique_ptr<RawNode> one = std::move(*RawNode::Create(config));
  config.id = NodeId(2);
  std::unique_ptr<RawNode> two = std::move(*RawNode::Create(config));
  Ready ready;
  ready.entries = {Entry{Term(1), LogIndex(1), EntryType::kNormal, Buffer{'a'}}};
  CHECK(checker.CheckReady(one->raft(), ready).ok());
  CHECK(checker.CheckReady(two->raft(), ready).ok());
  ready.entries[0].data = Buffer{'b'};
  CHECK(Mentions(checker.CheckReady(two->raft(), ready), "log matching"));
  // Terms never go down along a log.
  ready.entries = {Entry{Term(2), LogIndex(1), EntryType::kNormal, {}},
                   Entry{Term(1), LogIndex(2), EntryType::kNormal, {}}};
  CHECK(Mentions(checker.CheckReady(two->raft(), ready), "log matching"));
}

TEST_CASE("InvariantChecker: applying an uncommitted entry or out of order breaks state machine safety") {
  InvariantChecker checker;
  LoneLeader a(NodeId(1), 0);
  REQUIRE(checker.CheckNode(a.node->raft()).ok());
  checker.NodeRestarted(NodeId(1), LogIndex(0));
  const Entry committed{Term(1), LogIndex(1), EntryType::kNormal, {}};
  CHECK(Mentions(checker.CheckApplied(NodeId(1), Entry{Term(1), LogIndex(2), EntryType::kNormal, {}}),
                 "state machine safety"));
  CHECK(checker.CheckApplied(NodeId(1), committed).ok());
  CHECK(Mentions(checker.CheckApplied(NodeId(1), Entry{Term(1), LogIndex(2), EntryType::kNormal, {}}),
                 "state machine safety"));  // index 2 was never committed
  checker.NodeRestarted(NodeId(2), LogIndex(0));
  CHECK(Mentions(checker.CheckApplied(NodeId(2), Entry{Term(2), LogIndex(1), EntryType::kNormal, {}}),
                 "state machine safety"));  // not the committed entry
}

}  // namespace
}  // namespace cairn::raft
