// Round trips of every Raft struct through its protobuf form.
#include "controller/raft_codec.h"

#include <doctest/doctest.h>

namespace cairn::controller {
namespace {

using raft::Entry;
using raft::LogIndex;
using raft::Message;
using raft::MessageType;
using raft::NodeId;
using raft::Term;

Buffer Bytes(std::string_view s) { return Buffer(s.begin(), s.end()); }

// Every field set to a distinct non-default value, so a field the codec
// forgets (or swaps with another) changes the decoded message.
Message FullMessage() {
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = NodeId(3);
  m.to = NodeId(0);
  m.term = Term(7);
  m.index = LogIndex(100);
  m.log_term = Term(6);
  m.entries = {Entry{Term(6), LogIndex(101), raft::EntryType::kNormal, Bytes("a")},
               Entry{Term(7), LogIndex(102), raft::EntryType::kNormal, {}}};
  m.commit = LogIndex(99);
  m.reject = true;
  m.conflict_term = Term(5);
  m.conflict_index = LogIndex(50);
  m.leadership_transfer = true;
  raft::Snapshot snapshot;
  snapshot.metadata.index = LogIndex(90);
  snapshot.metadata.term = Term(4);
  snapshot.metadata.conf_state.voters = {NodeId(0), NodeId(1), NodeId(3)};
  snapshot.metadata.conf_state.learners = {NodeId(7)};
  snapshot.data = Bytes("state");
  m.snapshot = snapshot;
  return m;
}

void CheckSameMessage(const Message& a, const Message& b) {
  CHECK(a.type == b.type);
  CHECK(a.from == b.from);
  CHECK(a.to == b.to);
  CHECK(a.term == b.term);
  CHECK(a.index == b.index);
  CHECK(a.log_term == b.log_term);
  CHECK(a.entries == b.entries);
  CHECK(a.commit == b.commit);
  CHECK(a.reject == b.reject);
  CHECK(a.conflict_term == b.conflict_term);
  CHECK(a.conflict_index == b.conflict_index);
  CHECK(a.leadership_transfer == b.leadership_transfer);
  CHECK(a.snapshot == b.snapshot);
}

TEST_CASE("RaftCodec: a message with every field set survives the envelope round trip") {
  const Message m = FullMessage();
  auto decoded = DecodeEnvelope(EncodeEnvelope("cluster-a", m));
  REQUIRE(decoded.ok());
  CHECK(decoded->cluster_id == "cluster-a");
  REQUIRE(decoded->message.has_value());
  CheckSameMessage(*decoded->message, m);
}

TEST_CASE("RaftCodec: controller requests and replies travel in the same envelope") {
  controllerpb::ControllerRequest request;
  request.set_correlation_id(7);
  request.mutable_create_topic()->set_name("orders");
  request.mutable_create_topic()->set_partitions(3);
  auto decoded = DecodeEnvelope(EncodeEnvelope("c", request));
  REQUIRE(decoded.ok());
  CHECK(decoded->cluster_id == "c");
  CHECK_FALSE(decoded->message.has_value());
  CHECK_FALSE(decoded->reply.has_value());
  REQUIRE(decoded->request.has_value());
  CHECK(decoded->request->correlation_id() == 7);
  CHECK(decoded->request->create_topic().name() == "orders");
  CHECK(decoded->request->create_topic().partitions() == 3);

  controllerpb::ControllerReply reply;
  reply.set_correlation_id(7);
  reply.set_leader_hint(-1);
  reply.set_applied_index(42);
  decoded = DecodeEnvelope(EncodeEnvelope("c", reply));
  REQUIRE(decoded.ok());
  REQUIRE(decoded->reply.has_value());
  CHECK(decoded->reply->leader_hint() == -1);
  CHECK(decoded->reply->applied_index() == 42);
}

TEST_CASE("RaftCodec: every message type maps to itself") {
  for (int t = 0; t <= static_cast<int>(MessageType::kTimeoutNow); ++t) {
    Message m;
    m.type = static_cast<MessageType>(t);
    auto decoded = DecodeEnvelope(EncodeEnvelope("", m));
    REQUIRE(decoded.ok());
    CHECK(static_cast<int>(decoded->message->type) == t);
  }
}

TEST_CASE("RaftCodec: a default message keeps no snapshot, no entries and kNoNode ids") {
  const Message m;  // from/to are kNoNode (-1), snapshot is absent
  auto decoded = DecodeEnvelope(EncodeEnvelope("", m));
  REQUIRE(decoded.ok());
  REQUIRE(decoded->message.has_value());
  CheckSameMessage(*decoded->message, m);
  CHECK_FALSE(decoded->message->snapshot.has_value());
  CHECK(decoded->message->from == raft::kNoNode);
}

TEST_CASE("RaftCodec: an empty snapshot stays present, distinct from no snapshot") {
  Message m;
  m.type = MessageType::kSnapshot;
  m.snapshot = raft::Snapshot{};
  auto decoded = DecodeEnvelope(EncodeEnvelope("", m));
  REQUIRE(decoded.ok());
  REQUIRE(decoded->message->snapshot.has_value());
  CHECK(decoded->message->snapshot->IsEmpty());
}

TEST_CASE("RaftCodec: an 8 MiB entry with every byte value round-trips") {
  Entry entry{Term(uint64_t{1} << 40), LogIndex(~uint64_t{0}), raft::EntryType::kNormal, {}};
  entry.data.resize(8 << 20);
  for (size_t i = 0; i < entry.data.size(); ++i) entry.data[i] = static_cast<uint8_t>(i * 131 + (i >> 11));
  auto decoded = DecodeEntry(EncodeEntry(entry));
  REQUIRE(decoded.ok());
  CHECK(*decoded == entry);
}

TEST_CASE("RaftCodec: hard state and snapshot round-trip, including kNoNode vote") {
  for (const raft::HardState& hs : {raft::HardState{}, raft::HardState{Term(9), NodeId(2), LogIndex(44)}}) {
    auto decoded = DecodeHardState(EncodeHardState(hs));
    REQUIRE(decoded.ok());
    CHECK(*decoded == hs);
  }
  const raft::Snapshot snapshot = *FullMessage().snapshot;
  auto decoded = DecodeSnapshot(EncodeSnapshot(snapshot));
  REQUIRE(decoded.ok());
  CHECK(*decoded == snapshot);
}

TEST_CASE("RaftCodec: malformed bytes, unset or unknown types are InvalidArgument") {
  const Buffer garbage = Bytes("\xff\xff\xff\xff\xff");
  CHECK(absl::IsInvalidArgument(DecodeEnvelope(garbage).status()));
  CHECK(absl::IsInvalidArgument(DecodeEntry(garbage).status()));

  raftpb::Envelope envelope;
  CHECK(absl::IsInvalidArgument(DecodeEnvelope(Bytes(envelope.SerializeAsString())).status()));
  // Two bodies in one envelope are refused, not half read.
  envelope.mutable_request()->set_correlation_id(1);
  envelope.mutable_reply()->set_correlation_id(1);
  CHECK(absl::IsInvalidArgument(DecodeEnvelope(Bytes(envelope.SerializeAsString())).status()));
  envelope.clear_request();
  envelope.clear_reply();
  envelope.mutable_message()->set_type(raftpb::MESSAGE_TYPE_UNSPECIFIED);
  CHECK(absl::IsInvalidArgument(DecodeEnvelope(Bytes(envelope.SerializeAsString())).status()));
  envelope.mutable_message()->set_type(static_cast<raftpb::MessageType>(42));
  CHECK(absl::IsInvalidArgument(DecodeEnvelope(Bytes(envelope.SerializeAsString())).status()));

  raftpb::Entry entry;
  entry.set_type(static_cast<raftpb::EntryType>(3));
  CHECK(absl::IsInvalidArgument(DecodeEntry(Bytes(entry.SerializeAsString())).status()));
}

}  // namespace
}  // namespace cairn::controller

namespace cairn::controller {
namespace {

TEST_CASE("RaftCodec: conf change entries round-trip, every type and an opaque context") {
  for (raft::ConfChangeType type : {raft::ConfChangeType::kAddLearner, raft::ConfChangeType::kRemoveLearner,
                                    raft::ConfChangeType::kAddVoter, raft::ConfChangeType::kRemoveVoter}) {
    Entry entry{Term(3), LogIndex(17), raft::EntryType::kConfChange, {},
                raft::ConfChange{type, NodeId(4), Bytes(std::string("ctx\0\xff", 5))}};
    auto decoded = DecodeEntry(EncodeEntry(entry));
    REQUIRE(decoded.ok());
    CHECK(*decoded == entry);
  }
}

TEST_CASE("RaftCodec: a conf change entry without its change, or a normal one with one, is refused") {
  raftpb::Entry entry;
  entry.set_type(raftpb::ENTRY_TYPE_CONF_CHANGE);
  CHECK(absl::IsInvalidArgument(DecodeEntry(Bytes(entry.SerializeAsString())).status()));
  entry.mutable_conf_change()->set_node_id(4);
  entry.set_data("x");
  CHECK(absl::IsInvalidArgument(DecodeEntry(Bytes(entry.SerializeAsString())).status()));
  entry.clear_data();
  entry.mutable_conf_change()->set_type(static_cast<raftpb::ConfChangeType>(9));
  CHECK(absl::IsInvalidArgument(DecodeEntry(Bytes(entry.SerializeAsString())).status()));
  entry.mutable_conf_change()->set_type(raftpb::CONF_CHANGE_TYPE_ADD_LEARNER);
  entry.mutable_conf_change()->set_node_id(-1);
  CHECK(absl::IsInvalidArgument(DecodeEntry(Bytes(entry.SerializeAsString())).status()));
  entry.mutable_conf_change()->set_node_id(4);
  CHECK(DecodeEntry(Bytes(entry.SerializeAsString())).ok());
  entry.set_type(raftpb::ENTRY_TYPE_NORMAL);
  CHECK(absl::IsInvalidArgument(DecodeEntry(Bytes(entry.SerializeAsString())).status()));
}

}  // namespace
}  // namespace cairn::controller
