// What a RawNode asks the application to do, in order. See docs/raft.md.
#pragma once

#include <optional>
#include <vector>

#include "controller/raft/message.h"

namespace cairn::raft {

// Volatile state worth reporting (leader changes); never persisted.
struct SoftState {
  NodeId lead = kNoNode;
  Role role = Role::kFollower;

  bool operator==(const SoftState&) const = default;
};

// The application handles a Ready in this order, then calls Advance():
//   1. persist `snapshot` (if any), then `entries` (replacing any stored
//      entries from entries[0].index on), then `hard_state` (if any). A crash
//      may interrupt this at any point, losing a suffix of it;
//   2. only then send `messages`: they promise what step 1 made durable (a
//      vote, an acknowledged entry);
//   3. apply `snapshot` (if any), then `committed_entries`, to the state
//      machine, in order.
struct Ready {
  std::optional<SoftState> soft_state;  // if changed since the last Ready
  std::optional<HardState> hard_state;  // if changed since the last Ready
  std::optional<Snapshot> snapshot;     // received from the leader
  std::vector<Entry> entries;
  std::vector<Message> messages;
  std::vector<Entry> committed_entries;

  bool MustPersist() const { return hard_state || snapshot || !entries.empty(); }
};

}  // namespace cairn::raft
