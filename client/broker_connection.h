// One connection from the client to one broker: connect, ApiVersions
// handshake, then requests with correlation ids answered in order (Kafka
// answers a connection's requests in the order they were sent). Reconnects on
// demand with exponential backoff.
//
// Threading: every call and every callback happens on the client's io shard
// (client/client_core.h owns it). Callbacks never run inline from Submit.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "client/api_version_table.h"
#include "client/broker_address.h"
#include "client/config.h"
#include "common/bytes.h"
#include "io/connection.h"
#include "io/tcp_connector.h"
#include "io/timer.h"
#include "proto/kafka/writer.h"

namespace cairn::client {

class BrokerConnection final : private io::Connection::Handler {
 public:
  // The response body (after the response header) and the version it was
  // requested in, or why no response came (body then empty).
  using ResponseCallback = absl::AnyInvocable<void(absl::Status status, int16_t version, ByteSpan body) &&>;
  // Writes the request body in `version`; called once, when the request goes out.
  using BodyEncoder = absl::AnyInvocable<void(kafka::Writer& w, int16_t version) &&>;

  struct Request {
    int16_t api_key = 0;
    BodyEncoder encode;
    // False for Produce with acks=0: the broker sends nothing back, and
    // `done` runs with OK and an empty body once the bytes are queued.
    bool expects_response = true;
    int64_t deadline_ms = 0;  // steady-clock ms; fails with DeadlineExceeded after
    ResponseCallback done;
  };

  // `on_ready` runs each time the handshake completes (so a waiting sender
  // can drain towards this broker).
  BrokerConnection(io::Shard& shard, int32_t node_id, BrokerAddress address, const ClientConfig& config,
                   std::function<void(int32_t node_id)> on_ready);
  ~BrokerConnection() override;
  BrokerConnection(const BrokerConnection&) = delete;
  BrokerConnection& operator=(const BrokerConnection&) = delete;

  // Queues `request` (connecting first if needed). ResourceExhausted when
  // max_queued_requests_per_connection are already waiting.
  void Submit(Request request);
  // Starts connecting if idle (not while backing off after a failure).
  void Connect();
  // Fails requests past their deadline; an in-flight one closes the
  // connection (its answer may still come, so the stream is out of step).
  void CheckTimeouts(int64_t now_ms);
  // Fails everything queued or in flight with `why` and closes.
  void Shutdown(const absl::Status& why);
  // Changes where the broker is (metadata said so); reconnects next time.
  void UpdateAddress(const BrokerAddress& address);

  int32_t node_id() const { return node_id_; }
  const BrokerAddress& address() const { return address_; }
  bool ready() const { return state_ == State::kReady; }
  // Ready, nothing queued, and fewer than max.in.flight requests out.
  bool has_free_slot() const;
  size_t in_flight() const { return in_flight_.size(); }
  const ApiVersionTable& versions() const { return versions_; }

 private:
  enum class State { kIdle, kConnecting, kHandshaking, kReady, kBackoff };
  struct InFlight {
    int32_t correlation_id = 0;
    int16_t api_key = 0;
    int16_t version = 0;
    int64_t deadline_ms = 0;
    ResponseCallback done;
  };

  void OnConnected(absl::StatusOr<std::unique_ptr<io::Connection>> connection);
  void SendApiVersions();
  void Pump();
  void Write(int16_t api_key, int16_t version, BodyEncoder encode, int64_t deadline_ms, bool expects_response,
             ResponseCallback done);
  void Fail(const absl::Status& why);
  void Later(absl::AnyInvocable<void() &&> task);

  // io::Connection::Handler
  void OnFrame(ReadBuffer frame) override;
  void OnClose(absl::Status reason) override;

  io::Shard& shard_;
  const int32_t node_id_;
  BrokerAddress address_;
  const ClientConfig config_;
  std::function<void(int32_t)> on_ready_;

  State state_ = State::kIdle;
  std::unique_ptr<io::TcpConnector> connector_;
  std::unique_ptr<io::Connection> connection_;
  io::Timer backoff_timer_;
  int64_t backoff_ms_;
  // Why the last connection attempt or connection failed, until one is
  // ready again: a request that times out waiting for a connection says
  // why there was none (connection refused, no such host, ...).
  absl::Status last_failure_;
  int32_t next_correlation_id_ = 1;
  ApiVersionTable versions_;
  std::deque<Request> queued_;
  std::deque<InFlight> in_flight_;
  bool pumping_ = false;
  // Cleared in the destructor so that posted tasks skip a dead connection.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Steady-clock milliseconds, the time base of every client deadline.
int64_t SteadyNowMs();

}  // namespace cairn::client
