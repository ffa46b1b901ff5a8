// RaftTransport (see raft_transport.h).

#include "controller/raft_transport.h"

#include <algorithm>
#include <utility>

#include "common/check.h"
#include "common/logging.h"
#include "controller/raft_codec.h"
#include "io/shard.h"

namespace cairn::controller {

struct RaftTransport::Peer : io::Connection::Handler {
  Peer(RaftTransport& t, PeerAddress a) : transport(t), address(std::move(a)), redial(t.shard_) {}

  // Peers never answer on our outbound connection (they reply over their
  // own), but a frame there is handled like any inbound one.
  void OnFrame(ReadBuffer frame) override { transport.Deliver(*connection, nullptr, frame); }
  void OnClose(absl::Status reason) override {
    CAIRN_LOG(kInfo) << "raft transport: connection to node " << address.id << " closed: "
                     << reason;
    // Destroying the Connection inside its own callback is allowed.
    connection.reset();
    transport.ScheduleRedial(*this);
  }

  RaftTransport& transport;
  const PeerAddress address;
  std::unique_ptr<io::TcpConnector> connector;
  std::unique_ptr<io::Connection> connection;
  io::Timer redial;
  std::chrono::milliseconds backoff{0};
};

struct RaftTransport::Inbound : io::Connection::Handler {
  Inbound(RaftTransport& t, std::unique_ptr<io::Connection> c)
      : transport(t), connection(std::move(c)) {}

  void OnFrame(ReadBuffer frame) override {
    if (!transport.Deliver(*connection, this, frame)) transport.Bury(this);
  }
  void OnClose(absl::Status) override { transport.Bury(this); }

  RaftTransport& transport;
  std::unique_ptr<io::Connection> connection;
  bool buried = false;
  // False once buried: a responder that outlives the connection checks it.
  std::shared_ptr<bool> open = std::make_shared<bool>(true);
};

absl::StatusOr<std::unique_ptr<RaftTransport>> RaftTransport::Start(io::Shard& shard,
                                                                    Options options,
                                                                    MessageCallback on_message) {
  CAIRN_CHECK(on_message != nullptr);
  std::unique_ptr<RaftTransport> transport(
      new RaftTransport(shard, std::move(options), std::move(on_message)));
  RaftTransport* t = transport.get();
  if (t->options_.listen) {
    absl::StatusOr<std::unique_ptr<io::TcpListener>> listener = io::TcpListener::Listen(
        shard, t->options_.listen_host, t->options_.listen_port,
        [t](std::unique_ptr<io::Connection> connection) { t->Accept(std::move(connection)); },
        io::ListenOptions{.reuse_port = false});
    if (!listener.ok()) return listener.status();
    t->listener_ = *std::move(listener);
  }
  for (const PeerAddress& address : t->options_.peers) {
    CAIRN_CHECK(address.id != t->options_.self) << "a node is not its own peer";
    t->AddPeer(address);
  }
  return transport;
}

void RaftTransport::AddPeer(const PeerAddress& address) {
  if (address.id == options_.self) return;
  if (auto it = peers_.find(address.id); it != peers_.end()) {
    if (it->second->address == address) return;
    RemovePeer(address.id);
  }
  CAIRN_LOG(kInfo) << "raft transport: peer node " << address.id << " at " << address.host << ":"
                   << address.port;
  auto peer = std::make_unique<Peer>(*this, address);
  Peer& p = *peer;
  peers_.emplace(address.id, std::move(peer));
  Dial(p);
}

void RaftTransport::RemovePeer(raft::NodeId id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  Peer& peer = *it->second;
  // As in the destructor: nothing of the peer may run once it is gone.
  peer.connector.reset();
  peer.connection.reset();
  peer.redial.Cancel();
  peers_.erase(it);
}

RaftTransport::RaftTransport(io::Shard& shard, Options options, MessageCallback on_message)
    : shard_(shard), options_(std::move(options)), on_message_(std::move(on_message)) {}

RaftTransport::~RaftTransport() {
  *alive_ = false;
  // Connections and connectors go first: their destructors guarantee that
  // no handler or callback (which point at peers and `this`) runs afterwards.
  for (auto& [id, peer] : peers_) {
    peer->connector.reset();
    peer->connection.reset();
    peer->redial.Cancel();
  }
  inbound_.clear();
}

void RaftTransport::Dial(Peer& peer) {
  peer.connector = io::TcpConnector::Connect(
      shard_, peer.address.host, peer.address.port, options_.connect_timeout,
      [this, &peer](absl::StatusOr<std::unique_ptr<io::Connection>> connection) {
        if (!connection.ok()) {
          ScheduleRedial(peer);
          return;
        }
        peer.backoff = std::chrono::milliseconds(0);
        peer.connection = *std::move(connection);
        peer.connection->Start(&peer, options_.limits);
      });
}

void RaftTransport::ScheduleRedial(Peer& peer) {
  peer.backoff = peer.backoff.count() == 0
                     ? options_.initial_backoff
                     : std::min(peer.backoff * 2, options_.max_backoff);
  peer.redial.ExpireAfter(peer.backoff, [this, &peer, alive = alive_](absl::Status status) {
    if (!status.ok() || !*alive) return;
    Dial(peer);
  });
}

void RaftTransport::Send(const raft::Message& message) {
  const auto it = peers_.find(message.to);
  if (it == peers_.end()) {
    CAIRN_LOG(kWarning) << "raft transport: message to unknown node " << message.to;
    ++dropped_;
    return;
  }
  Peer& peer = *it->second;
  if (peer.connection == nullptr || !peer.connection->is_open() ||
      peer.connection->queued_bytes() > options_.max_queued_bytes) {
    ++dropped_;
    return;
  }
  peer.connection->Send(EncodeEnvelope(options_.cluster_id, message));
}

bool RaftTransport::connected(raft::NodeId peer) const {
  const auto it = peers_.find(peer);
  return it != peers_.end() && it->second->connection != nullptr &&
         it->second->connection->is_open();
}

void RaftTransport::Accept(std::unique_ptr<io::Connection> connection) {
  inbound_.push_back(std::make_unique<Inbound>(*this, std::move(connection)));
  Inbound& inbound = *inbound_.back();
  inbound.connection->Start(&inbound, options_.limits);
}

bool RaftTransport::Deliver(io::Connection& connection, Inbound* inbound, ByteSpan frame) {
  absl::StatusOr<DecodedEnvelope> envelope = DecodeEnvelope(frame);
  absl::Status refusal;
  if (!envelope.ok()) {
    refusal = envelope.status();
  } else if (envelope->cluster_id != options_.cluster_id) {
    refusal = absl::FailedPreconditionError("refusing a node of cluster '" + envelope->cluster_id +
                                            "': this node's cluster.id is '" + options_.cluster_id + "'");
  } else if (envelope->message && envelope->message->to != options_.self) {
    refusal = absl::FailedPreconditionError("message addressed to another node");
  } else if (envelope->reply) {
    refusal = absl::FailedPreconditionError("unexpected controller reply");
  } else if (envelope->request && (inbound == nullptr || on_request_ == nullptr)) {
    refusal = absl::FailedPreconditionError("controller request where none is served");
  }
  if (!refusal.ok()) {
    CAIRN_LOG(kWarning) << "raft transport: closing connection from " << connection.peer()
                        << ": " << refusal;
    ++rejected_inbound_;
    connection.Close();
    return false;
  }
  if (envelope->request) {
    Responder respond = [this, inbound, open = inbound->open, alive = alive_,
                         correlation_id = envelope->request->correlation_id()](
                            const controllerpb::ControllerReply& reply) {
      if (!*alive || !*open) return;
      controllerpb::ControllerReply answer = reply;
      answer.set_correlation_id(correlation_id);
      inbound->connection->Send(EncodeEnvelope(options_.cluster_id, answer));
    };
    on_request_(std::move(*envelope->request), std::move(respond));
    return true;
  }
  on_message_(std::move(*envelope->message));
  return true;
}

void RaftTransport::Bury(Inbound* inbound) {
  if (inbound->buried) return;
  inbound->buried = true;
  *inbound->open = false;
  // Not destroyed here: we are inside one of its Handler callbacks.
  shard_.Post([this, inbound, alive = alive_] {
    if (!*alive) return;
    inbound_.remove_if([inbound](const auto& p) { return p.get() == inbound; });
  });
}

}  // namespace cairn::controller
