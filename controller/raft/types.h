// Vocabulary of the Raft core in the paper's terms (docs/glossary.md): log
// entries, hard state, configuration and snapshots. Every field is a plain
// value so that the controller can map these structs to protobuf mechanically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"

namespace cairn::raft {

using cairn::LogIndex;
using cairn::NodeId;
using cairn::Term;

// Kafka allows node.id 0, so "no node" is -1 rather than etcd's 0.
inline constexpr NodeId kNoNode{-1};

// Index and term arithmetic. LogIndex 0 and Term 0 mean "none": the log's
// first real entry has index 1 and the first elected term is 1.
constexpr LogIndex operator+(LogIndex index, uint64_t n) { return LogIndex(index.value() + n); }
constexpr LogIndex operator-(LogIndex index, uint64_t n) { return LogIndex(index.value() - n); }
constexpr Term operator+(Term term, uint64_t n) { return Term(term.value() + n); }

// kNormal entries carry the application's bytes; kConfChange entries carry a
// ConfChange, which takes effect when the application applies the committed
// entry (RawNode::ApplyConfChange), as in etcd.
enum class EntryType : uint8_t { kNormal = 0, kConfChange = 1 };

// A membership change. Only learner changes are accepted today; the voter
// types exist so that joint consensus can be added without a format change.
enum class ConfChangeType : uint8_t { kAddLearner = 0, kRemoveLearner = 1, kAddVoter = 2, kRemoveVoter = 3 };
const char* ConfChangeTypeName(ConfChangeType type);

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddLearner;
  NodeId node = kNoNode;
  // Opaque to Raft (etcd's Context): the application's data about the node,
  // e.g. the address every member must use to reach it.
  Buffer context;

  bool operator==(const ConfChange&) const = default;
};

struct Entry {
  Term term;
  LogIndex index;
  EntryType type = EntryType::kNormal;
  Buffer data;  // opaque to Raft; empty for the entry a new leader appends
  // Present exactly when type == kConfChange.
  std::optional<ConfChange> conf_change;

  bool operator==(const Entry&) const = default;
};

// Bytes an entry counts for in message and Ready size limits.
uint64_t EntryBytes(const Entry& entry);

// What must be durable before any message of the same Ready is sent.
struct HardState {
  Term term;
  NodeId vote = kNoNode;  // whom this node voted for in `term`
  LogIndex commit;

  bool operator==(const HardState&) const = default;
};

// The membership: voters decide elections and commits; learners receive the
// committed log but never vote and never count towards a quorum. Both lists
// are sorted and disjoint. Joint consensus will add an outgoing voter set.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;

  bool operator==(const ConfState&) const = default;
  bool IsVoter(NodeId id) const;
  bool IsLearner(NodeId id) const;
};

struct SnapshotMetadata {
  LogIndex index;  // last entry the snapshot covers
  Term term;       // term of that entry
  ConfState conf_state;

  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  Buffer data;  // the application's state machine at metadata.index

  bool IsEmpty() const { return metadata.index == LogIndex(0); }
  bool operator==(const Snapshot&) const = default;
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role role);

}  // namespace cairn::raft
