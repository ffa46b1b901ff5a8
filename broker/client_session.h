// One client connection: decodes request frames, dispatches them to the API
// handlers, and sends the responses back in request order, as Kafka clients
// require even though handlers finish out of order. Flow control (DESIGN.md
// §8): the session stops reading from the socket, so TCP pushes back on the
// client, while any of these holds:
//   - max_in_flight_requests requests are being processed;
//   - max_queued_response_bytes of responses wait for the client to read
//     them (reading resumes when the socket drains to half of that);
//   - the shard's memory budget cannot take the frame just read (the session
//     waits its turn, FIFO among the shard's sessions);
//   - a quota throttled the client: after answering a throttled Produce or
//     Fetch at once, the session is muted for throttle_time_ms (KIP-219).
// A frame's charge on the budget lasts from its reading until its response
// is handed to the connection, dropped (acks=0), or the session goes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "broker/admission.h"
#include "broker/quotas.h"
#include "broker/request.h"
#include "io/connection.h"
#include "io/timer.h"

namespace cairn::broker {

class ClientSession : public io::Connection::Handler, private MemoryBudget::Waiter {
 public:
  struct Limits {
    size_t max_in_flight_requests = 16;
    size_t max_queued_response_bytes = 1 << 20;
  };
  // What the session draws on besides its connection. The budget and quotas
  // belong to the session's shard and outlive it; nullptr disables them.
  struct Resources {
    MemoryBudget* budget = nullptr;
    ShardQuotas* quotas = nullptr;
    // The connection's place under max.connections(.per.ip), given back when
    // the session is destroyed.
    ConnectionLimits::Ticket ticket;
  };

  ClientSession(ShardContext& shard, std::unique_ptr<io::Connection> connection, Limits limits,
                Resources resources, absl::AnyInvocable<void(ClientSession*) &&> on_closed);
  ~ClientSession() override;
  void Start(io::Connection::Limits connection_limits);

  // io::Connection::Handler
  void OnFrame(ReadBuffer frame) override;
  void OnClose(absl::Status reason) override;
  void OnDrained() override;

 private:
  struct Slot {
    int32_t correlation_id;
    int16_t response_header_version;
    int16_t api_key = -1;
    size_t charged_bytes = 0;  // held on the memory budget until answered
    std::optional<std::string> client_id;  // Produce and Fetch under a quota
    bool done = false;
    Reply reply;
  };

  // MemoryBudget::Waiter
  void OnBudgetGranted() override;

  void DispatchGranted();
  void Dispatch(ReadBuffer frame, size_t charged_bytes);
  void Complete(const std::shared_ptr<Slot>& slot, Reply reply);
  void SendReadyResponses();
  void Finish(const Slot& slot);  // releases its charge, applies its throttle
  void Mute(int64_t throttle_ms);
  void ArmMuteTimer();
  void Uncharge(size_t bytes);
  void UpdateBackpressure();
  void CloseWithError(const absl::Status& status);

  ShardContext& shard_;
  std::unique_ptr<io::Connection> connection_;
  Limits limits_;
  Resources resources_;
  absl::AnyInvocable<void(ClientSession*) &&> on_closed_;
  std::deque<std::shared_ptr<Slot>> slots_;
  bool paused_ = false;
  bool closed_ = false;
  // A frame read but not yet charged: waiting for the budget, or granted and
  // waiting for its dispatch on the next turn.
  ReadBuffer pending_frame_;
  bool waiting_for_budget_ = false;
  bool pending_granted_ = false;
  bool drain_armed_ = false;
  int64_t muted_until_ms_ = 0;  // QuotaNowMs() clock
  io::Timer mute_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::broker
