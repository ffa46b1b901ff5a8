// Safety invariants of Raft (paper Figure 3), checked from outside the nodes
// by tests and the simulator after every step (after LogCabin's
// RaftConsensusInvariants and KRaft's simulation checks):
//   election safety      at most one leader per term;
//   log matching         two logs holding an entry with the same index and
//                        term agree on it and on everything before it;
//   leader completeness  a leader holds every entry committed in an earlier
//                        term;
//   commit stability     every node that commits an index commits the same
//                        entry there; a node never rewrites its log at or
//                        below its commit index, which never goes back
//                        (until it restarts);
//   state machine safety every node applies the same entry at each index,
//                        in index order, and only committed ones.
// Each check returns the first violation as a FailedPrecondition naming it.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "controller/raft/raft.h"
#include "controller/raft/ready.h"

namespace cairn::raft {

class InvariantChecker {
 public:
  // After every step, for every running node.
  absl::Status CheckNode(const Raft& node);
  // Before the node persists `ready` (taken from it just now); includes
  // CheckNode(), since the step that produced it may have committed entries.
  absl::Status CheckReady(const Raft& node, const Ready& ready);
  // The node's state machine applied an entry / installed a snapshot.
  absl::Status CheckApplied(NodeId id, const Entry& entry);
  absl::Status CheckRestored(NodeId id, const SnapshotMetadata& metadata);
  // The node crashed and restarted: its volatile commit index starts over,
  // and its state machine was restored up to `applied`.
  void NodeRestarted(NodeId id, LogIndex applied);

  // The highest index any node has seen committed.
  LogIndex committed_index() const { return LogIndex(committed_.size()); }
  // The committed entry at `index` (1-based), if its content was observed.
  const Entry* CommittedEntry(LogIndex index) const;

 private:
  struct Committed {
    Entry entry;
    bool content_known = false;  // false when only seen through a snapshot
    Term commit_term;            // lowest term of a node seen committing it
  };
  struct NodeProgress {
    LogIndex commit;
    LogIndex applied;
  };
  // What log matching ties to (index, term): the entry and its predecessor's term.
  struct Shape {
    Entry payload;  // type, data and conf change; index and term are the key
    Term prev_term;
  };

  absl::Status CheckLeaderCompleteness(const Raft& node) const;
  // `content_known` false: only the entry's term is known (a snapshot's last).
  absl::Status RecordCommitted(NodeId id, const Entry& entry, bool content_known,
                               Term observer_term);
  std::optional<Committed>* Slot(LogIndex index);

  std::map<Term, NodeId> leaders_;
  std::vector<std::optional<Committed>> committed_;  // [i] is index i + 1
  std::map<std::pair<uint64_t, uint64_t>, Shape> shapes_;
  std::map<NodeId, NodeProgress> nodes_;
};

}  // namespace cairn::raft
