// The calling side of the controller commands (proto/cairn/controller_rpc.proto):
// a node that is not the active controller sends a ControllerRequest to the
// one that is, over that node's controller listener (RaftTransport answers
// there), and gets its ControllerReply back on the same connection.
//
// One connection per target node, dialed on first use and again after any
// failure; requests made while it is being dialed wait for it. Every call
// ends exactly once: with the reply, Unavailable (no connection, or it closed
// before the reply) or DeadlineExceeded. A command whose reply is lost may
// still have been applied; callers retry commands that are safe to repeat
// and report the rest as of unknown outcome.
//
// Threading: one shard. Call, the destructor and every callback run there.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "cairn/controller_rpc.pb.h"
#include "controller/raft_transport.h"
#include "io/connection.h"

namespace cairn::controller {

class ControllerRpcClient {
 public:
  using ReplyCallback = absl::AnyInvocable<void(absl::StatusOr<controllerpb::ControllerReply>) &&>;

  // `controllers` are the quorum's voters and their controller listeners.
  ControllerRpcClient(io::Shard& shard, std::string cluster_id, std::vector<PeerAddress> controllers,
                      std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(1000));
  // Pending calls end with Cancelled.
  ~ControllerRpcClient();
  ControllerRpcClient(const ControllerRpcClient&) = delete;
  ControllerRpcClient& operator=(const ControllerRpcClient&) = delete;

  // Sends `request` (its correlation id is assigned here) to node `to`.
  void Call(raft::NodeId to, controllerpb::ControllerRequest request, std::chrono::milliseconds timeout,
            ReplyCallback done);

  // Calls still waiting for a reply, over every target.
  size_t pending() const;

 private:
  struct Channel;

  Channel* ChannelTo(raft::NodeId to);
  void Dial(Channel& channel);
  void Finish(Channel& channel, uint64_t correlation_id, absl::StatusOr<controllerpb::ControllerReply> result);
  void FailAll(Channel& channel, const absl::Status& status);

  io::Shard& shard_;
  const std::string cluster_id_;
  const std::vector<PeerAddress> controllers_;
  const std::chrono::milliseconds connect_timeout_;
  std::map<raft::NodeId, std::unique_ptr<Channel>> channels_;
  uint64_t next_correlation_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::controller
