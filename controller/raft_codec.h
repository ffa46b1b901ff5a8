// Conversions between the Raft core's plain structs (controller/raft) and
// their protobuf form (proto/cairn/raft.proto), for the wire and the disk.
// Decoding validates what protobuf cannot: enum values and node-id ranges,
// so a malformed frame becomes InvalidArgument, never a bad struct.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cairn/raft.pb.h"
#include "common/bytes.h"
#include "controller/raft/message.h"

namespace cairn::controller {

void ToProto(const raft::Entry& entry, raftpb::Entry* out);
void ToProto(const raft::HardState& hard_state, raftpb::HardState* out);
void ToProto(const raft::ConfState& conf_state, raftpb::ConfState* out);
void ToProto(const raft::Snapshot& snapshot, raftpb::Snapshot* out);
void ToProto(const raft::Message& message, raftpb::Message* out);

absl::StatusOr<raft::Entry> FromProto(const raftpb::Entry& entry);
raft::HardState FromProto(const raftpb::HardState& hard_state);
raft::ConfState FromProto(const raftpb::ConfState& conf_state);
absl::StatusOr<raft::Snapshot> FromProto(const raftpb::Snapshot& snapshot);
absl::StatusOr<raft::Message> FromProto(const raftpb::Message& message);

// Serialized forms. Decode* returns InvalidArgument for bytes that do not
// parse or hold out-of-range values.
Buffer EncodeEntry(const raft::Entry& entry);
absl::StatusOr<raft::Entry> DecodeEntry(ByteSpan bytes);
Buffer EncodeHardState(const raft::HardState& hard_state);
absl::StatusOr<raft::HardState> DecodeHardState(ByteSpan bytes);
Buffer EncodeSnapshot(const raft::Snapshot& snapshot);
absl::StatusOr<raft::Snapshot> DecodeSnapshot(ByteSpan bytes);

// A transport frame: the envelope around one Raft message, or one controller
// command or its reply (proto/cairn/controller_rpc.proto).
Buffer EncodeEnvelope(const std::string& cluster_id, const raft::Message& message);
Buffer EncodeEnvelope(const std::string& cluster_id, const controllerpb::ControllerRequest& request);
Buffer EncodeEnvelope(const std::string& cluster_id, const controllerpb::ControllerReply& reply);
struct DecodedEnvelope {
  std::string cluster_id;
  // Exactly one is set.
  std::optional<raft::Message> message;
  std::optional<controllerpb::ControllerRequest> request;
  std::optional<controllerpb::ControllerReply> reply;
};
absl::StatusOr<DecodedEnvelope> DecodeEnvelope(ByteSpan bytes);

}  // namespace cairn::controller
