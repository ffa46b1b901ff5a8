// Raft structs <-> protobuf; see raft_codec.h.
#include "controller/raft_codec.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"

namespace cairn::controller {
namespace {

// MessageType in the proto is the core's enum shifted by one (0 = unset).
constexpr int kLastMessageType = static_cast<int>(raft::MessageType::kTimeoutNow);

std::string ToString(const Buffer& bytes) { return std::string(bytes.begin(), bytes.end()); }
Buffer ToBuffer(const std::string& bytes) { return Buffer(bytes.begin(), bytes.end()); }

template <typename Proto>
Buffer Serialize(const Proto& proto) {
  Buffer out(proto.ByteSizeLong());
  CAIRN_CHECK(proto.SerializeToArray(out.data(), static_cast<int>(out.size())))
      << "serializing " << proto.GetTypeName();
  return out;
}

template <typename Proto>
absl::Status Parse(ByteSpan bytes, Proto* proto) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !proto->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", proto->GetTypeName(), " (", bytes.size(), " bytes)"));
  }
  return absl::OkStatus();
}

std::vector<raft::NodeId> NodeIds(const google::protobuf::RepeatedField<int32_t>& ids) {
  std::vector<raft::NodeId> out;
  out.reserve(static_cast<size_t>(ids.size()));
  for (int32_t id : ids) out.emplace_back(id);
  return out;
}

}  // namespace

void ToProto(const raft::Entry& entry, raftpb::Entry* out) {
  out->set_term(entry.term.value());
  out->set_index(entry.index.value());
  out->set_type(static_cast<raftpb::EntryType>(entry.type));
  out->set_data(ToString(entry.data));
  if (entry.conf_change) {
    raftpb::ConfChange* change = out->mutable_conf_change();
    change->set_type(static_cast<raftpb::ConfChangeType>(entry.conf_change->type));
    change->set_node_id(entry.conf_change->node.value());
    change->set_context(ToString(entry.conf_change->context));
  }
}

void ToProto(const raft::HardState& hard_state, raftpb::HardState* out) {
  out->set_term(hard_state.term.value());
  out->set_vote(hard_state.vote.value());
  out->set_commit(hard_state.commit.value());
}

void ToProto(const raft::ConfState& conf_state, raftpb::ConfState* out) {
  for (raft::NodeId id : conf_state.voters) out->add_voters(id.value());
  for (raft::NodeId id : conf_state.learners) out->add_learners(id.value());
}

void ToProto(const raft::Snapshot& snapshot, raftpb::Snapshot* out) {
  raftpb::SnapshotMetadata* metadata = out->mutable_metadata();
  metadata->set_index(snapshot.metadata.index.value());
  metadata->set_term(snapshot.metadata.term.value());
  ToProto(snapshot.metadata.conf_state, metadata->mutable_conf_state());
  out->set_data(ToString(snapshot.data));
}

void ToProto(const raft::Message& message, raftpb::Message* out) {
  out->set_type(static_cast<raftpb::MessageType>(static_cast<int>(message.type) + 1));
  out->set_from(message.from.value());
  out->set_to(message.to.value());
  out->set_term(message.term.value());
  out->set_index(message.index.value());
  out->set_log_term(message.log_term.value());
  for (const raft::Entry& entry : message.entries) ToProto(entry, out->add_entries());
  out->set_commit(message.commit.value());
  out->set_reject(message.reject);
  out->set_conflict_term(message.conflict_term.value());
  out->set_conflict_index(message.conflict_index.value());
  out->set_leadership_transfer(message.leadership_transfer);
  if (message.snapshot) ToProto(*message.snapshot, out->mutable_snapshot());
}

absl::StatusOr<raft::Entry> FromProto(const raftpb::Entry& entry) {
  raft::Entry out{raft::Term(entry.term()), raft::LogIndex(entry.index()), raft::EntryType::kNormal,
                  ToBuffer(entry.data()), std::nullopt};
  switch (entry.type()) {
    case raftpb::ENTRY_TYPE_NORMAL:
      if (entry.has_conf_change()) {
        return absl::InvalidArgumentError(absl::StrCat("normal entry ", entry.index(), " with a conf change"));
      }
      return out;
    case raftpb::ENTRY_TYPE_CONF_CHANGE:
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown entry type ", entry.type()));
  }
  if (!entry.has_conf_change() || !entry.data().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("conf change entry ", entry.index(), " without a conf change, or with data"));
  }
  const raftpb::ConfChange& change = entry.conf_change();
  const int type = static_cast<int>(change.type());
  if (type < 0 || type > static_cast<int>(raft::ConfChangeType::kRemoveVoter)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown conf change type ", type));
  }
  if (change.node_id() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("conf change of node ", change.node_id()));
  }
  out.type = raft::EntryType::kConfChange;
  out.conf_change = raft::ConfChange{static_cast<raft::ConfChangeType>(type), raft::NodeId(change.node_id()),
                                     ToBuffer(change.context())};
  return out;
}

raft::HardState FromProto(const raftpb::HardState& hard_state) {
  return raft::HardState{raft::Term(hard_state.term()), raft::NodeId(hard_state.vote()),
                         raft::LogIndex(hard_state.commit())};
}

raft::ConfState FromProto(const raftpb::ConfState& conf_state) {
  return raft::ConfState{NodeIds(conf_state.voters()), NodeIds(conf_state.learners())};
}

absl::StatusOr<raft::Snapshot> FromProto(const raftpb::Snapshot& snapshot) {
  raft::Snapshot out;
  out.metadata.index = raft::LogIndex(snapshot.metadata().index());
  out.metadata.term = raft::Term(snapshot.metadata().term());
  out.metadata.conf_state = FromProto(snapshot.metadata().conf_state());
  out.data = ToBuffer(snapshot.data());
  return out;
}

absl::StatusOr<raft::Message> FromProto(const raftpb::Message& message) {
  const int type = static_cast<int>(message.type());
  if (type < 1 || type > kLastMessageType + 1) {
    return absl::InvalidArgumentError(absl::StrCat("unknown raft message type ", type));
  }
  raft::Message out;
  out.type = static_cast<raft::MessageType>(type - 1);
  out.from = raft::NodeId(message.from());
  out.to = raft::NodeId(message.to());
  out.term = raft::Term(message.term());
  out.index = raft::LogIndex(message.index());
  out.log_term = raft::Term(message.log_term());
  out.entries.reserve(static_cast<size_t>(message.entries_size()));
  for (const raftpb::Entry& entry : message.entries()) {
    ASSIGN_OR_RETURN(raft::Entry decoded, FromProto(entry));
    out.entries.push_back(std::move(decoded));
  }
  out.commit = raft::LogIndex(message.commit());
  out.reject = message.reject();
  out.conflict_term = raft::Term(message.conflict_term());
  out.conflict_index = raft::LogIndex(message.conflict_index());
  out.leadership_transfer = message.leadership_transfer();
  if (message.has_snapshot()) {
    ASSIGN_OR_RETURN(raft::Snapshot snapshot, FromProto(message.snapshot()));
    out.snapshot = std::move(snapshot);
  }
  return out;
}

Buffer EncodeEntry(const raft::Entry& entry) {
  raftpb::Entry proto;
  ToProto(entry, &proto);
  return Serialize(proto);
}

absl::StatusOr<raft::Entry> DecodeEntry(ByteSpan bytes) {
  raftpb::Entry proto;
  RETURN_IF_ERROR(Parse(bytes, &proto));
  return FromProto(proto);
}

Buffer EncodeHardState(const raft::HardState& hard_state) {
  raftpb::HardState proto;
  ToProto(hard_state, &proto);
  return Serialize(proto);
}

absl::StatusOr<raft::HardState> DecodeHardState(ByteSpan bytes) {
  raftpb::HardState proto;
  RETURN_IF_ERROR(Parse(bytes, &proto));
  return FromProto(proto);
}

Buffer EncodeSnapshot(const raft::Snapshot& snapshot) {
  raftpb::Snapshot proto;
  ToProto(snapshot, &proto);
  return Serialize(proto);
}

absl::StatusOr<raft::Snapshot> DecodeSnapshot(ByteSpan bytes) {
  raftpb::Snapshot proto;
  RETURN_IF_ERROR(Parse(bytes, &proto));
  return FromProto(proto);
}

Buffer EncodeEnvelope(const std::string& cluster_id, const raft::Message& message) {
  raftpb::Envelope proto;
  proto.set_cluster_id(cluster_id);
  ToProto(message, proto.mutable_message());
  return Serialize(proto);
}

Buffer EncodeEnvelope(const std::string& cluster_id, const controllerpb::ControllerRequest& request) {
  raftpb::Envelope proto;
  proto.set_cluster_id(cluster_id);
  *proto.mutable_request() = request;
  return Serialize(proto);
}

Buffer EncodeEnvelope(const std::string& cluster_id, const controllerpb::ControllerReply& reply) {
  raftpb::Envelope proto;
  proto.set_cluster_id(cluster_id);
  *proto.mutable_reply() = reply;
  return Serialize(proto);
}

absl::StatusOr<DecodedEnvelope> DecodeEnvelope(ByteSpan bytes) {
  raftpb::Envelope proto;
  RETURN_IF_ERROR(Parse(bytes, &proto));
  const int bodies = int{proto.has_message()} + int{proto.has_request()} + int{proto.has_reply()};
  if (bodies != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("controller envelope with ", bodies, " bodies (expected one)"));
  }
  DecodedEnvelope out;
  out.cluster_id = proto.cluster_id();
  if (proto.has_message()) {
    ASSIGN_OR_RETURN(raft::Message message, FromProto(proto.message()));
    out.message = std::move(message);
  } else if (proto.has_request()) {
    out.request = std::move(*proto.mutable_request());
  } else {
    out.reply = std::move(*proto.mutable_reply());
  }
  return out;
}

}  // namespace cairn::controller
