// One client connection: decodes request frames, dispatches them to the API
// handlers, and sends the responses back in request order, as Kafka clients
// require even though handlers finish out of order. The number of requests in
// flight and the bytes of unsent responses are bounded: past either limit the
// session stops reading from the socket, so TCP pushes back on the client.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "broker/request.h"
#include "io/connection.h"

namespace cairn::broker {

class ClientSession : public io::Connection::Handler {
 public:
  struct Limits {
    size_t max_in_flight_requests = 16;
    size_t max_queued_response_bytes = 64 << 20;
  };

  ClientSession(ShardContext& shard, std::unique_ptr<io::Connection> connection, Limits limits,
                absl::AnyInvocable<void(ClientSession*) &&> on_closed);
  ~ClientSession() override;
  void Start(io::Connection::Limits connection_limits);

  // io::Connection::Handler
  void OnFrame(Buffer frame) override;
  void OnClose(absl::Status reason) override;

 private:
  struct Slot {
    int32_t correlation_id;
    int16_t response_header_version;
    bool done = false;
    Reply reply;
  };

  void Dispatch(Buffer frame);
  void Complete(const std::shared_ptr<Slot>& slot, Reply reply);
  void SendReadyResponses();
  void UpdateBackpressure();
  void CloseWithError(const absl::Status& status);

  ShardContext& shard_;
  std::unique_ptr<io::Connection> connection_;
  Limits limits_;
  absl::AnyInvocable<void(ClientSession*) &&> on_closed_;
  std::deque<std::shared_ptr<Slot>> slots_;
  bool paused_ = false;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::broker
