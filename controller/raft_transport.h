// The network between controller nodes: Raft messages as Connection frames,
// each an Envelope (controller/raft_codec.h) carrying the cluster id so a node
// of another cluster (a misconfigured quorum list) is refused, not obeyed.
//
// Outbound: one connection per peer, dialed by this node and redialed with
// exponential backoff (capped, default 1 s) after any failure. Messages are
// never retried here: one that finds its peer disconnected, or the outbound
// queue over its bound, is dropped — Raft retransmits whatever still matters
// (heartbeats, append retries, vote re-campaigns), so buffering stale
// messages would only delay fresh ones.
// Inbound: a TcpListener; a frame that does not decode, names another
// cluster, or is addressed to another node closes its connection (the
// sender's dialer then backs off and retries). The same listener takes
// controller commands (ControllerRequest envelopes, sent by
// ControllerRpcClient): each goes to the request handler, whose reply is
// written back on the connection the request came in on.
//
// Threading: one shard. Start, Send, the destructor and the message callback
// all run on that shard's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "cairn/controller_rpc.pb.h"
#include "controller/raft/message.h"
#include "io/connection.h"
#include "io/tcp_connector.h"
#include "io/tcp_listener.h"
#include "io/timer.h"

namespace cairn::controller {

struct PeerAddress {
  raft::NodeId id;
  std::string host;  // numeric address or a name (resolved at each connection attempt)
  uint16_t port = 0;

  bool operator==(const PeerAddress&) const = default;
};

class RaftTransport {
 public:
  struct Options {
    std::string cluster_id;
    raft::NodeId self = raft::kNoNode;
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 0;  // 0 picks a free port (see port())
    // False: no listener at all (a quorum of one with no controller
    // listener configured has no peer to hear from; port() is then 0).
    bool listen = true;
    std::vector<PeerAddress> peers;  // excluding self
    // Bytes queued on a peer's connection beyond which messages are dropped.
    size_t max_queued_bytes = size_t{16} << 20;
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds initial_backoff{50};
    std::chrono::milliseconds max_backoff{1000};
    io::Connection::Limits limits;
  };
  using MessageCallback = absl::AnyInvocable<void(raft::Message)>;
  // Answers one request, at most once, on the shard; a reply whose
  // connection has closed meanwhile is dropped (the caller times out).
  using Responder = absl::AnyInvocable<void(const controllerpb::ControllerReply&) &&>;
  using RequestHandler = absl::AnyInvocable<void(controllerpb::ControllerRequest, Responder)>;

  static absl::StatusOr<std::unique_ptr<RaftTransport>> Start(io::Shard& shard, Options options,
                                                               MessageCallback on_message);
  ~RaftTransport();
  RaftTransport(const RaftTransport&) = delete;
  RaftTransport& operator=(const RaftTransport&) = delete;

  // Sends `message` to message.to, or drops it (see above).
  void Send(const raft::Message& message);
  // Membership changes (a learner added or removed by a conf change): starts
  // dialing `address`, replacing the peer's old address if it had another;
  // or forgets the peer and closes its connection. Self is ignored.
  void AddPeer(const PeerAddress& address);
  void RemovePeer(raft::NodeId id);
  bool has_peer(raft::NodeId id) const { return peers_.contains(id); }
  // Until one is set, a request closes its connection like any unexpected
  // frame.
  void set_request_handler(RequestHandler handler) { on_request_ = std::move(handler); }

  uint16_t port() const { return listener_ != nullptr ? listener_->port() : 0; }
  uint64_t dropped() const { return dropped_; }
  uint64_t rejected_inbound() const { return rejected_inbound_; }
  bool connected(raft::NodeId peer) const;

 private:
  struct Peer;
  struct Inbound;

  RaftTransport(io::Shard& shard, Options options, MessageCallback on_message);
  void Dial(Peer& peer);
  void ScheduleRedial(Peer& peer);
  void Accept(std::unique_ptr<io::Connection> connection);
  // Returns false (after closing `connection`) for a frame to refuse.
  // `inbound` is null for frames on our own outbound connections, where
  // requests are not expected.
  bool Deliver(io::Connection& connection, Inbound* inbound, ByteSpan frame);
  void Bury(Inbound* inbound);

  io::Shard& shard_;
  const Options options_;
  MessageCallback on_message_;
  RequestHandler on_request_;
  std::unique_ptr<io::TcpListener> listener_;
  absl::flat_hash_map<raft::NodeId, std::unique_ptr<Peer>> peers_;
  std::list<std::unique_ptr<Inbound>> inbound_;
  uint64_t dropped_ = 0;
  uint64_t rejected_inbound_ = 0;
  // Tasks posted to the shard check this before touching `this`.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::controller
