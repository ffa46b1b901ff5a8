// RaftNode's conf change contexts and snapshot data; see raft_node_codec.h.
#include "controller/raft_node_codec.h"

#include "absl/strings/str_cat.h"
#include "cairn/raft.pb.h"

namespace cairn::controller {
namespace {

constexpr uint32_t kNodeSnapshotVersion = 1;

}  // namespace

Buffer EncodePeerContext(const std::string& host, uint16_t port) {
  raftpb::PeerContext context;
  context.set_host(host);
  context.set_port(port);
  const std::string bytes = context.SerializeAsString();
  return Buffer(bytes.begin(), bytes.end());
}

absl::StatusOr<PeerAddress> DecodePeerContext(raft::NodeId id, ByteSpan context) {
  raftpb::PeerContext proto;
  if (!proto.ParseFromArray(context.data(), static_cast<int>(context.size())) || proto.host().empty() ||
      proto.port() == 0 || proto.port() > UINT16_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("conf change of node ", id.value(), ": no usable address in its context"));
  }
  return PeerAddress{id, proto.host(), static_cast<uint16_t>(proto.port())};
}

Buffer EncodeNodeSnapshot(const NodeSnapshotData& data) {
  raftpb::NodeSnapshot proto;
  proto.set_version(kNodeSnapshotVersion);
  for (const PeerAddress& learner : data.learners) {
    raftpb::PeerAddress* out = proto.add_learners();
    out->set_node_id(learner.id.value());
    out->set_host(learner.host);
    out->set_port(learner.port);
  }
  proto.set_state(std::string(data.state.begin(), data.state.end()));
  const std::string bytes = proto.SerializeAsString();
  return Buffer(bytes.begin(), bytes.end());
}

NodeSnapshotData DecodeNodeSnapshot(ByteSpan bytes) {
  raftpb::NodeSnapshot proto;
  if (bytes.empty() || !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      proto.version() != kNodeSnapshotVersion) {
    return NodeSnapshotData{{}, Buffer(bytes.begin(), bytes.end())};
  }
  NodeSnapshotData data;
  for (const raftpb::PeerAddress& learner : proto.learners()) {
    if (learner.port() == 0 || learner.port() > UINT16_MAX) continue;
    data.learners.push_back(
        PeerAddress{raft::NodeId(learner.node_id()), learner.host(), static_cast<uint16_t>(learner.port())});
  }
  data.state = Buffer(proto.state().begin(), proto.state().end());
  return data;
}

}  // namespace cairn::controller
