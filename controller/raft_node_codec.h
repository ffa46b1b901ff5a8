// What RaftNode adds to the Raft log and snapshots (proto/cairn/raft.proto):
// the context of its conf changes (raftpb.PeerContext, where the node
// listens) and the snapshot data around the application's state
// (raftpb.NodeSnapshot, which keeps learners' addresses across a snapshot).
// Format: docs/format/raft-log.md.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "controller/raft_transport.h"

namespace cairn::controller {

Buffer EncodePeerContext(const std::string& host, uint16_t port);
// The address in a conf change's context, for node `id`. InvalidArgument
// when it does not parse or has no host or port.
absl::StatusOr<PeerAddress> DecodePeerContext(raft::NodeId id, ByteSpan context);

struct NodeSnapshotData {
  std::vector<PeerAddress> learners;
  Buffer state;  // the application's
};
Buffer EncodeNodeSnapshot(const NodeSnapshotData& data);
// Snapshot data written before NodeSnapshot existed (or empty) is all
// application state with no learners; that is also what a version other
// than 1 means.
NodeSnapshotData DecodeNodeSnapshot(ByteSpan bytes);

}  // namespace cairn::controller
