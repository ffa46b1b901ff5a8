// The messages Raft peers exchange. Plain structs with value fields only, so
// the controller's protobuf encoding (proto/) is a field-by-field mapping.
// Field use per type is listed on each field; unused fields keep defaults.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "controller/raft/types.h"

namespace cairn::raft {

enum class MessageType : uint8_t {
  kAppend,             // AppendEntries from the leader
  kAppendResponse,
  kHeartbeat,          // empty AppendEntries that only carries the commit index
  kHeartbeatResponse,
  kPreVote,            // "would you vote for me?", asked without raising a term
  kPreVoteResponse,
  kVote,               // RequestVote
  kVoteResponse,
  kSnapshot,           // InstallSnapshot, sent when a follower needs compacted entries
  kTimeoutNow,         // leadership transfer: campaign now, skipping pre-vote
};

std::string_view MessageTypeName(MessageType type);

struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  // The sender's term; for kPreVote the term the sender would campaign in,
  // and for kPreVoteResponse the term of the pre-vote it answers.
  Term term;
  // kAppend: the entry preceding `entries` (index, log_term).
  // kVote/kPreVote: the candidate's last entry (index, log_term).
  // kAppendResponse: accepted → the highest index known to match the leader;
  //   rejected → the `index` of the kAppend that did not match.
  LogIndex index;
  Term log_term;
  std::vector<Entry> entries;  // kAppend
  LogIndex commit;             // kAppend, kHeartbeat: the leader's commit index
  bool reject = false;         // responses
  // kAppendResponse rejection hint: the follower's term at `index` (0 if its
  // log is shorter) and the first index it holds with that term (or its last
  // index + 1), so the leader skips a whole term per round trip.
  Term conflict_term;
  LogIndex conflict_index;
  // kVote/kPreVote sent because of kTimeoutNow: voters grant it even while
  // they still hear from the current leader.
  bool leadership_transfer = false;
  std::optional<Snapshot> snapshot;  // kSnapshot only
};

}  // namespace cairn::raft
