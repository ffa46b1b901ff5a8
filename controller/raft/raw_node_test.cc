// RawNode: the Ready/Advance contract, proposals and restarts.
#include "controller/raft/raw_node.h"

#include <doctest/doctest.h>

#include "controller/raft/memory_storage.h"

namespace cairn::raft {
namespace {

Config ConfigFor(NodeId id, const Storage* storage) {
  Config config;
  config.id = id;
  config.storage = storage;
  return config;
}

std::unique_ptr<RawNode> MustCreate(const Config& config) {
  absl::StatusOr<std::unique_ptr<RawNode>> node = RawNode::Create(config);
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  return std::move(*node);
}

// Persists a Ready the way ready.h asks, and acknowledges it.
Ready HandleReady(RawNode& node, MemoryStorage& storage) {
  Ready ready = node.GetReady();
  if (ready.snapshot) REQUIRE(storage.ApplySnapshot(*ready.snapshot).ok());
  storage.Append(ready.entries);
  if (ready.hard_state) storage.SetHardState(*ready.hard_state);
  node.Advance();
  return ready;
}

TEST_CASE("RawNode: a single voter elects itself and commits its entry in one Ready") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  std::unique_ptr<RawNode> node = MustCreate(ConfigFor(NodeId(1), &storage));
  CHECK_FALSE(node->HasReady());
  REQUIRE(node->Campaign().ok());
  REQUIRE(node->HasReady());
  const Ready ready = HandleReady(*node, storage);
  REQUIRE(ready.soft_state.has_value());
  CHECK(ready.soft_state->role == Role::kLeader);
  REQUIRE(ready.hard_state.has_value());
  CHECK(*ready.hard_state == HardState{Term(1), NodeId(1), LogIndex(1)});
  REQUIRE(ready.entries.size() == 1);
  CHECK(ready.entries[0].index == LogIndex(1));
  REQUIRE(ready.committed_entries.size() == 1);
  CHECK(ready.messages.empty());
  CHECK_FALSE(node->HasReady());
}

TEST_CASE("RawNode: an unchanged hard state is not handed out again") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  std::unique_ptr<RawNode> node = MustCreate(ConfigFor(NodeId(1), &storage));
  REQUIRE(node->Campaign().ok());
  HandleReady(*node, storage);
  for (int i = 0; i < 50; ++i) node->Tick();  // heartbeats to no one
  CHECK_FALSE(node->HasReady());
  REQUIRE(node->Propose(AsBytes("x")).ok());
  const Ready ready = HandleReady(*node, storage);
  REQUIRE(ready.hard_state.has_value());
  CHECK(ready.hard_state->commit == LogIndex(2));
  CHECK(ready.hard_state->term == Term(1));
}

TEST_CASE("RawNode: a follower refuses a proposal and names the leader it knows") {
  MemoryStorage storage(ConfState{{NodeId(1), NodeId(2), NodeId(3)}, {}});
  std::unique_ptr<RawNode> node = MustCreate(ConfigFor(NodeId(2), &storage));
  absl::StatusOr<LogIndex> refused = node->Propose(AsBytes("x"));
  CHECK(absl::IsUnavailable(refused.status()));
  CHECK(LeaderHint(refused.status()) == kNoNode);
  Message heartbeat;
  heartbeat.type = MessageType::kHeartbeat;
  heartbeat.from = NodeId(3);
  heartbeat.to = NodeId(2);
  heartbeat.term = Term(4);
  REQUIRE(node->Step(heartbeat).ok());
  refused = node->Propose(AsBytes("x"));
  CHECK(absl::IsUnavailable(refused.status()));
  CHECK(LeaderHint(refused.status()) == NodeId(3));
}

TEST_CASE("RawNode: a message to another node or from itself is refused") {
  MemoryStorage storage(ConfState{{NodeId(1), NodeId(2)}, {}});
  std::unique_ptr<RawNode> node = MustCreate(ConfigFor(NodeId(1), &storage));
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = NodeId(1);
  m.to = NodeId(1);
  CHECK(absl::IsInvalidArgument(node->Step(m)));
  m.from = NodeId(2);
  m.to = NodeId(7);
  CHECK(absl::IsInvalidArgument(node->Step(m)));
}

TEST_CASE("RawNode: a restarted node keeps term, vote and log, and re-applies from its snapshot") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  {
    std::unique_ptr<RawNode> node = MustCreate(ConfigFor(NodeId(1), &storage));
    REQUIRE(node->Campaign().ok());
    HandleReady(*node, storage);
    REQUIRE(node->Propose(AsBytes("a")).ok());
    HandleReady(*node, storage);
  }
  std::unique_ptr<RawNode> node = MustCreate(ConfigFor(NodeId(1), &storage));
  CHECK(node->raft().term() == Term(1));
  CHECK(node->raft().vote() == NodeId(1));
  CHECK(node->raft().role() == Role::kFollower);
  CHECK(node->raft().log().committed() == LogIndex(2));
  const Ready ready = HandleReady(*node, storage);
  REQUIRE(ready.committed_entries.size() == 2);
  CHECK(ready.committed_entries[1].data == Buffer{'a'});
}

TEST_CASE("RawNode: a hard state committing past the stored log is data loss") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  storage.SetHardState(HardState{Term(2), NodeId(1), LogIndex(5)});
  CHECK(absl::IsDataLoss(RawNode::Create(ConfigFor(NodeId(1), &storage)).status()));
}

TEST_CASE("RawNode: an applied index past the commit index is refused") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  storage.Append({Entry{Term(1), LogIndex(1), EntryType::kNormal, {}},
                  Entry{Term(1), LogIndex(2), EntryType::kNormal, {}}});
  storage.SetHardState(HardState{Term(1), NodeId(1), LogIndex(1)});
  Config config = ConfigFor(NodeId(1), &storage);
  config.applied = LogIndex(2);
  CHECK(absl::IsInvalidArgument(RawNode::Create(config).status()));
  config.applied = LogIndex(1);
  CHECK(RawNode::Create(config).ok());
}

TEST_CASE("RawNode: a configuration without a node id, storage or sane ticks is refused") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  Config config = ConfigFor(NodeId(1), &storage);
  config.election_tick = 1;
  config.heartbeat_tick = 1;
  CHECK(absl::IsInvalidArgument(RawNode::Create(config).status()));
  CHECK(absl::IsInvalidArgument(RawNode::Create(ConfigFor(kNoNode, &storage)).status()));
  CHECK(absl::IsInvalidArgument(RawNode::Create(ConfigFor(NodeId(1), nullptr)).status()));
}

TEST_CASE("RawNode: the election timeout is at least T and below 2T ticks") {
  // A follower of a 3-voter cluster with no leader pre-campaigns on its own.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    MemoryStorage storage(ConfState{{NodeId(1), NodeId(2), NodeId(3)}, {}});
    Config config = ConfigFor(NodeId(1), &storage);
    config.random_seed = seed;
    std::unique_ptr<RawNode> node = MustCreate(config);
    int ticks = 0;
    while (node->raft().role() == Role::kFollower && ticks < 100) {
      node->Tick();
      ++ticks;
    }
    CHECK(node->raft().role() == Role::kPreCandidate);
    CHECK(ticks >= config.election_tick);
    CHECK(ticks < 2 * config.election_tick);
  }
}

}  // namespace
}  // namespace cairn::raft
