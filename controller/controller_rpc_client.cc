// ControllerRpcClient (see controller_rpc_client.h).
#include "controller/controller_rpc_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controller/raft_codec.h"
#include "io/tcp_connector.h"
#include "io/timer.h"

namespace cairn::controller {

struct ControllerRpcClient::Channel : io::Connection::Handler {
  struct Pending {
    ReplyCallback done;
    std::unique_ptr<io::Timer> deadline;
  };

  Channel(ControllerRpcClient& c, PeerAddress a) : client(c), address(std::move(a)) {}

  void OnFrame(ReadBuffer frame) override {
    absl::StatusOr<DecodedEnvelope> envelope = DecodeEnvelope(frame);
    if (!envelope.ok() || !envelope->reply || envelope->cluster_id != client.cluster_id_) {
      CAIRN_LOG(kWarning) << "controller rpc: unexpected frame from node " << address.id << "; reconnecting";
      connection->Close();
      return;
    }
    const uint64_t id = envelope->reply->correlation_id();
    client.Finish(*this, id, std::move(*envelope->reply));
  }
  void OnClose(absl::Status reason) override {
    // Destroying the Connection inside its own callback is allowed.
    connection.reset();
    client.FailAll(*this, absl::UnavailableError(
                              absl::StrCat("connection to controller ", address.id.value(), " closed: ",
                                           reason.ToString())));
  }

  ControllerRpcClient& client;
  const PeerAddress address;
  std::unique_ptr<io::TcpConnector> connector;
  std::unique_ptr<io::Connection> connection;
  // Frames of calls made while dialing, sent once connected.
  std::vector<Buffer> unsent;
  std::map<uint64_t, Pending> pending;
};

ControllerRpcClient::ControllerRpcClient(io::Shard& shard, std::string cluster_id,
                                         std::vector<PeerAddress> controllers,
                                         std::chrono::milliseconds connect_timeout)
    : shard_(shard),
      cluster_id_(std::move(cluster_id)),
      controllers_(std::move(controllers)),
      connect_timeout_(connect_timeout) {}

ControllerRpcClient::~ControllerRpcClient() {
  *alive_ = false;
  for (auto& [id, channel] : channels_) {
    channel->connector.reset();
    channel->connection.reset();
    FailAll(*channel, absl::CancelledError("controller rpc client stopped"));
  }
}

size_t ControllerRpcClient::pending() const {
  size_t total = 0;
  for (const auto& [id, channel] : channels_) total += channel->pending.size();
  return total;
}

ControllerRpcClient::Channel* ControllerRpcClient::ChannelTo(raft::NodeId to) {
  if (auto it = channels_.find(to); it != channels_.end()) return it->second.get();
  for (const PeerAddress& address : controllers_) {
    if (address.id == to) return channels_.emplace(to, std::make_unique<Channel>(*this, address)).first->second.get();
  }
  return nullptr;
}

void ControllerRpcClient::Call(raft::NodeId to, controllerpb::ControllerRequest request,
                               std::chrono::milliseconds timeout, ReplyCallback done) {
  Channel* channel = ChannelTo(to);
  if (channel == nullptr) {
    std::move(done)(absl::InvalidArgumentError(absl::StrCat("node ", to.value(), " is not a controller")));
    return;
  }
  const uint64_t id = next_correlation_id_++;
  request.set_correlation_id(id);
  Channel::Pending& pending = channel->pending[id];
  pending.done = std::move(done);
  pending.deadline = std::make_unique<io::Timer>(shard_);
  pending.deadline->ExpireAfter(timeout, [this, channel, id, alive = alive_](absl::Status status) {
    if (!status.ok() || !*alive) return;
    Finish(*channel, id, absl::DeadlineExceededError(
                             absl::StrCat("no reply from controller ", channel->address.id.value(), " in time")));
  });
  Buffer frame = EncodeEnvelope(cluster_id_, request);
  if (channel->connection != nullptr && channel->connection->is_open()) {
    channel->connection->Send(std::move(frame));
    return;
  }
  channel->unsent.push_back(std::move(frame));
  if (channel->connector == nullptr) Dial(*channel);
}

void ControllerRpcClient::Dial(Channel& channel) {
  channel.connector = io::TcpConnector::Connect(
      shard_, channel.address.host, channel.address.port, connect_timeout_,
      [this, &channel](absl::StatusOr<std::unique_ptr<io::Connection>> connection) {
        channel.connector.reset();
        if (!connection.ok()) {
          FailAll(channel, absl::UnavailableError(absl::StrCat("cannot reach controller ",
                                                               channel.address.id.value(), ": ",
                                                               connection.status().message())));
          return;
        }
        channel.connection = *std::move(connection);
        channel.connection->Start(&channel, io::Connection::Limits{});
        for (Buffer& frame : channel.unsent) channel.connection->Send(std::move(frame));
        channel.unsent.clear();
      });
}

void ControllerRpcClient::Finish(Channel& channel, uint64_t correlation_id,
                                 absl::StatusOr<controllerpb::ControllerReply> result) {
  auto it = channel.pending.find(correlation_id);
  if (it == channel.pending.end()) return;  // timed out already
  ReplyCallback done = std::move(it->second.done);
  channel.pending.erase(it);  // cancels the deadline
  std::move(done)(std::move(result));
}

void ControllerRpcClient::FailAll(Channel& channel, const absl::Status& status) {
  channel.unsent.clear();
  std::map<uint64_t, Channel::Pending> failed = std::move(channel.pending);
  channel.pending.clear();
  for (auto& [id, pending] : failed) std::move(pending.done)(status);
}

}  // namespace cairn::controller
