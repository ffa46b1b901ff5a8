// Raft safety invariants, checked from outside; see invariants.h.
#include "controller/raft/invariants.h"

#include "absl/strings/str_cat.h"
#include "controller/raft/describe.h"

namespace cairn::raft {
namespace {

absl::Status Violation(const char* invariant, const std::string& detail) {
  return absl::FailedPreconditionError(absl::StrCat("invariant violated: ", invariant, ": ", detail));
}

// Everything but the position: log matching and state machine safety
// compare what entries say, conf changes included.
bool SamePayload(const Entry& a, const Entry& b) {
  return a.type == b.type && a.data == b.data && a.conf_change == b.conf_change;
}

}  // namespace

std::optional<InvariantChecker::Committed>* InvariantChecker::Slot(LogIndex index) {
  if (index.value() == 0) return nullptr;
  if (committed_.size() < index.value()) committed_.resize(index.value());
  return &committed_[index.value() - 1];
}

const Entry* InvariantChecker::CommittedEntry(LogIndex index) const {
  if (index.value() == 0 || index.value() > committed_.size()) return nullptr;
  const std::optional<Committed>& slot = committed_[index.value() - 1];
  if (!slot || !slot->content_known) return nullptr;
  return &slot->entry;
}

absl::Status InvariantChecker::RecordCommitted(NodeId id, const Entry& entry, bool content_known,
                                               Term observer_term) {
  std::optional<Committed>* slot = Slot(entry.index);
  if (slot == nullptr) return absl::OkStatus();
  if (!*slot) {
    *slot = Committed{entry, content_known, observer_term};
    return absl::OkStatus();
  }
  Committed& known = **slot;
  if (known.entry.term != entry.term ||
      (content_known && known.content_known && !SamePayload(known.entry, entry))) {
    return Violation("commit stability",
                     absl::StrCat("node ", id.value(), " committed ", DescribeEntry(entry),
                                  " where ", DescribeEntry(known.entry), " was committed"));
  }
  if (content_known && !known.content_known) {
    known.entry = entry;
    known.content_known = true;
  }
  if (observer_term < known.commit_term) known.commit_term = observer_term;
  return absl::OkStatus();
}

absl::Status InvariantChecker::CheckLeaderCompleteness(const Raft& node) const {
  const RaftLog& log = node.log();
  for (uint64_t i = 1; i <= committed_.size(); ++i) {
    const std::optional<Committed>& slot = committed_[i - 1];
    if (!slot || slot->commit_term >= node.term()) continue;
    const LogIndex index(i);
    if (index < log.FirstIndex() - 1) continue;  // inside the node's snapshot
    absl::StatusOr<Term> term = log.TermAt(index);
    if (!term.ok() || *term != slot->entry.term) {
      return Violation("leader completeness",
                       absl::StrCat("node ", node.id().value(), " leads term ", node.term().value(),
                                    " without committed ", DescribeEntry(slot->entry), " (holds ",
                                    term.ok() ? absl::StrCat("term ", term->value()) : "nothing",
                                    " there)"));
    }
  }
  return absl::OkStatus();
}

absl::Status InvariantChecker::CheckNode(const Raft& node) {
  const NodeId id = node.id();
  if (node.role() != Role::kFollower && !node.IsVoter()) {
    return Violation("learners never campaign",
                     absl::StrCat("node ", id.value(), " is ", RoleName(node.role()),
                                  " but not a voter"));
  }
  if (node.role() == Role::kLeader) {
    auto [it, inserted] = leaders_.emplace(node.term(), id);
    if (it->second != id) {
      return Violation("election safety",
                       absl::StrCat("nodes ", it->second.value(), " and ", id.value(),
                                    " both lead term ", node.term().value()));
    }
    if (inserted) {
      absl::Status complete = CheckLeaderCompleteness(node);
      if (!complete.ok()) return complete;
    }
  }
  NodeProgress& tracked = nodes_[id];
  const RaftLog& log = node.log();
  const LogIndex commit = log.committed();
  if (commit < tracked.commit) {
    return Violation("commit stability", absl::StrCat("node ", id.value(), " commit index went from ",
                                                      tracked.commit.value(), " back to ",
                                                      commit.value()));
  }
  if (commit > tracked.commit) {
    // Newly committed positions: the snapshot's last entry (term only) and
    // the entries the node holds.
    const LogIndex snapshot_index = log.FirstIndex() - 1;
    if (snapshot_index > tracked.commit) {
      Entry placeholder{log.TermOrZero(snapshot_index), snapshot_index, EntryType::kNormal, {}};
      absl::Status recorded = RecordCommitted(id, placeholder, false, node.term());
      if (!recorded.ok()) return recorded;
    }
    const LogIndex lo = std::max(tracked.commit + 1, log.FirstIndex());
    if (lo <= commit) {
      absl::StatusOr<std::vector<Entry>> entries = log.Slice(lo, commit + 1, UINT64_MAX);
      if (!entries.ok()) return entries.status();
      for (const Entry& entry : *entries) {
        absl::Status recorded = RecordCommitted(id, entry, true, node.term());
        if (!recorded.ok()) return recorded;
      }
    }
    tracked.commit = commit;
  }
  return absl::OkStatus();
}

absl::Status InvariantChecker::CheckReady(const Raft& node, const Ready& ready) {
  const NodeId id = node.id();
  // What this node had committed before the steps behind this Ready; they
  // may have committed more, and its committed entries are about to be
  // applied.
  const LogIndex commit_before = nodes_[id].commit;
  absl::Status state = CheckNode(node);
  if (!state.ok()) return state;
  if (ready.snapshot) {
    const SnapshotMetadata& meta = ready.snapshot->metadata;
    Entry last{meta.term, meta.index, EntryType::kNormal, {}};
    absl::Status recorded = RecordCommitted(id, last, false, node.term());
    if (!recorded.ok()) return recorded;
  }
  if (!ready.entries.empty()) {
    Term prev_term = node.log().TermOrZero(ready.entries.front().index - 1);
    for (const Entry& entry : ready.entries) {
      if (entry.term < prev_term) {
        return Violation("log matching", absl::StrCat("node ", id.value(), " log term goes down at ",
                                                      DescribeEntry(entry)));
      }
      auto [it, inserted] =
          shapes_.emplace(std::make_pair(entry.index.value(), entry.term.value()), Shape{entry, prev_term});
      if (!inserted && (!SamePayload(it->second.payload, entry) || it->second.prev_term != prev_term)) {
        return Violation("log matching",
                         absl::StrCat("node ", id.value(), " holds ", DescribeEntry(entry),
                                      " after term ", prev_term.value(), "; another log has ",
                                      DescribeEntry(it->second.payload),
                                      " after term ", it->second.prev_term.value()));
      }
      // A lagging node may still write a stale entry where the cluster has
      // committed another (it has not learned that commit); but never below
      // its own commit index.
      if (entry.index <= commit_before) {
        return Violation("commit stability",
                         absl::StrCat("node ", id.value(), " rewrites ", DescribeEntry(entry),
                                      " at or below its commit index ", commit_before.value()));
      }
      prev_term = entry.term;
    }
  }
  for (const Entry& entry : ready.committed_entries) {
    if (entry.index > node.log().committed()) {
      return Violation("state machine safety",
                       absl::StrCat("node ", id.value(), " hands out uncommitted ", DescribeEntry(entry)));
    }
  }
  return absl::OkStatus();
}

absl::Status InvariantChecker::CheckApplied(NodeId id, const Entry& entry) {
  NodeProgress& tracked = nodes_[id];
  if (entry.index != tracked.applied + 1) {
    return Violation("state machine safety",
                     absl::StrCat("node ", id.value(), " applied ", DescribeEntry(entry), " after ",
                                  tracked.applied.value()));
  }
  const Entry* committed = CommittedEntry(entry.index);
  if (committed == nullptr || committed->term != entry.term || !SamePayload(*committed, entry)) {
    return Violation("state machine safety",
                     absl::StrCat("node ", id.value(), " applied ", DescribeEntry(entry), " but ",
                                  committed ? DescribeEntry(*committed) : std::string("nothing"),
                                  " is committed there"));
  }
  tracked.applied = entry.index;
  return absl::OkStatus();
}

absl::Status InvariantChecker::CheckRestored(NodeId id, const SnapshotMetadata& metadata) {
  NodeProgress& tracked = nodes_[id];
  if (metadata.index < tracked.applied) {
    return Violation("state machine safety",
                     absl::StrCat("node ", id.value(), " restored snapshot ", DescribeSnapshot(metadata),
                                  " behind applied ", tracked.applied.value()));
  }
  if (metadata.index.value() == 0) return absl::OkStatus();
  const std::optional<Committed>* slot =
      metadata.index.value() <= committed_.size() ? &committed_[metadata.index.value() - 1] : nullptr;
  if (slot == nullptr || !*slot || (*slot)->entry.term != metadata.term) {
    return Violation("state machine safety",
                     absl::StrCat("node ", id.value(), " restored snapshot ", DescribeSnapshot(metadata),
                                  " that is not of committed state"));
  }
  tracked.applied = metadata.index;
  return absl::OkStatus();
}

void InvariantChecker::NodeRestarted(NodeId id, LogIndex applied) {
  nodes_[id] = NodeProgress{LogIndex(0), applied};
}

}  // namespace cairn::raft
