#include "broker/client_session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/api_table.h"
#include "broker/kafka_errors.h"
#include "broker/metrics.h"
#include "broker/shard_context.h"
#include "common/logging.h"
#include "proto/kafka/generated/api.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::broker {

ClientSession::ClientSession(ShardContext& shard, std::unique_ptr<io::Connection> connection, Limits limits,
                             Resources resources, absl::AnyInvocable<void(ClientSession*) &&> on_closed)
    : shard_(shard),
      connection_(std::move(connection)),
      limits_(limits),
      resources_(std::move(resources)),
      on_closed_(std::move(on_closed)),
      mute_timer_(shard.shard()) {}

ClientSession::~ClientSession() {
  *alive_ = false;
  // Handlers still running answer into slots nobody reads: their frames stop
  // counting now.
  if (resources_.budget != nullptr) {
    if (waiting_for_budget_) resources_.budget->Cancel(this);
    size_t charged = pending_granted_ ? pending_frame_.size() : 0;
    for (const auto& slot : slots_) charged += slot->charged_bytes;
    if (charged > 0) resources_.budget->Release(charged);
  }
}

void ClientSession::Start(io::Connection::Limits connection_limits) { connection_->Start(this, connection_limits); }

void ClientSession::OnFrame(ReadBuffer frame) {
  const size_t bytes = frame.size();
  if (resources_.budget != nullptr && !resources_.budget->Acquire(bytes, this)) {
    // Hold the frame (the connection reads no more) until our turn comes.
    pending_frame_ = std::move(frame);
    waiting_for_budget_ = true;
    UpdateBackpressure();
    return;
  }
  Dispatch(std::move(frame), resources_.budget != nullptr ? bytes : 0);
}

void ClientSession::OnBudgetGranted() {
  // Inside MemoryBudget::Release, maybe deep in another session: dispatch on
  // the next turn. The charge is ours from now on (the destructor returns it).
  waiting_for_budget_ = false;
  pending_granted_ = true;
  shard_.shard().Post([this, alive = alive_] {
    if (*alive) DispatchGranted();
  });
}

void ClientSession::DispatchGranted() {
  if (!pending_granted_) return;
  pending_granted_ = false;
  ReadBuffer frame = std::move(pending_frame_);
  pending_frame_ = ReadBuffer();
  const size_t bytes = frame.size();
  if (closed_ || !connection_->is_open()) {
    Uncharge(bytes);
    return;
  }
  Dispatch(std::move(frame), bytes);
  UpdateBackpressure();
}

void ClientSession::OnClose(absl::Status reason) {
  if (closed_) return;
  closed_ = true;
  if (!reason.ok() && !absl::IsUnavailable(reason) && !absl::IsCancelled(reason)) {
    CAIRN_LOG(kInfo) << "closing connection from " << connection_->peer() << ": " << reason;
  }
  // Handlers still running answer into slots nobody reads; alive_ guards them.
  std::move(on_closed_)(this);  // destroys this session
}

void ClientSession::OnDrained() {
  drain_armed_ = false;
  UpdateBackpressure();
}

void ClientSession::CloseWithError(const absl::Status& status) {
  CAIRN_LOG(kInfo) << "closing connection from " << connection_->peer() << ": " << status;
  connection_->Close();
}

void ClientSession::Uncharge(size_t bytes) {
  if (resources_.budget != nullptr && bytes > 0) resources_.budget->Release(bytes);
}

void ClientSession::Dispatch(ReadBuffer frame, size_t charged_bytes) {
  kafka::Reader reader(frame);
  Request request;
  if (absl::Status decoded = kafka::DecodeRequestHeader(reader, &request.header); !decoded.ok()) {
    // Without a readable header there is no correlation id to answer with.
    Uncharge(charged_bytes);
    CloseWithError(decoded);
    return;
  }
  const int16_t api_key = request.header.api_key;
  const int16_t version = request.header.api_version;
  const ApiEntry* api = FindApiEntry(api_key);
  if (api == nullptr) {
    Uncharge(charged_bytes);
    CloseWithError(absl::InvalidArgumentError(absl::StrCat("unknown api key ", api_key)));
    return;
  }
  auto slot = std::make_shared<Slot>();
  slot->correlation_id = request.header.correlation_id;
  slot->response_header_version = kafka::ResponseHeaderVersion(api_key, version);
  slot->api_key = api_key;
  slot->charged_bytes = charged_bytes;
  if (version < api->min_version || version > api->max_version) {
    if (api->key != kafka::ApiKey::kApiVersions) {
      Uncharge(charged_bytes);
      CloseWithError(absl::InvalidArgumentError(
          absl::StrCat(api->name, " v", version, " is not supported (", api->min_version, "-", api->max_version, ")")));
      return;
    }
    // ApiVersions at an unknown version: answer in v0 with UNSUPPORTED_VERSION
    // so the client retries with a version we list (KIP-511).
    slot->response_header_version = 0;
  }
  if (resources_.quotas != nullptr &&
      ((api->key == kafka::ApiKey::kProduce && !resources_.quotas->produce.unlimited()) ||
       (api->key == kafka::ApiKey::kFetch && !resources_.quotas->fetch.unlimited()))) {
    slot->client_id = request.header.client_id.value_or("");
  }
  request.body = reader.rest();  // points into `frame`, whose storage moves with it
  request.frame = std::move(frame);
  request.peer = connection_->peer();
  slots_.push_back(slot);
  UpdateBackpressure();
  // Counted now, timed until the handler answers (broker/metrics.h).
  api->handler(shard_, std::move(request),
               MeasureRequest(api->name, [this, alive = alive_, slot](Reply reply) mutable {
                 if (*alive) Complete(slot, std::move(reply));
               }));
}

void ClientSession::Complete(const std::shared_ptr<Slot>& slot, Reply reply) {
  slot->done = true;
  slot->reply = std::move(reply);
  SendReadyResponses();
}

void ClientSession::SendReadyResponses() {
  while (!slots_.empty() && slots_.front()->done) {
    std::shared_ptr<Slot> slot = std::move(slots_.front());
    slots_.pop_front();
    if (slot->reply.kind == Reply::Kind::kNoResponse) {
      Finish(*slot);
      continue;
    }
    if (slot->reply.kind == Reply::Kind::kCloseConnection) {
      Finish(*slot);
      CloseWithError(slot->reply.close_reason);
      return;
    }
    // The header goes out as its own piece: the body is never copied.
    Buffer header_bytes;
    kafka::Writer writer(header_bytes);
    kafka::ResponseHeader header;
    header.correlation_id = slot->correlation_id;
    header.Encode(writer, slot->response_header_version);
    std::vector<io::Connection::Piece> pieces;
    pieces.reserve(1 + std::max<size_t>(slot->reply.pieces.size(), 1));
    pieces.emplace_back(std::move(header_bytes));
    if (slot->reply.pieces.empty()) {
      pieces.emplace_back(std::move(slot->reply.body));
    } else {
      for (io::Connection::Piece& piece : slot->reply.pieces) pieces.push_back(std::move(piece));
    }
    slot->reply = Reply();
    connection_->SendPieces(std::move(pieces));
    Finish(*slot);
  }
  UpdateBackpressure();
}

void ClientSession::Finish(const Slot& slot) {
  Uncharge(slot.charged_bytes);
  if (!slot.client_id || resources_.quotas == nullptr) return;
  // The handler recorded the bytes and put the throttle time in the
  // response; the same clock says how long the client must stay quiet.
  const ClientQuotas& quotas = slot.api_key == static_cast<int16_t>(kafka::ApiKey::kProduce)
                                   ? resources_.quotas->produce
                                   : resources_.quotas->fetch;
  Mute(quotas.ThrottleMs(*slot.client_id, QuotaNowMs()));
}

void ClientSession::Mute(int64_t throttle_ms) {
  if (throttle_ms <= 0 || closed_) return;
  const int64_t until = QuotaNowMs() + throttle_ms;
  if (until <= muted_until_ms_) return;
  muted_until_ms_ = until;
  ArmMuteTimer();
}

void ClientSession::ArmMuteTimer() {
  const int64_t remaining = muted_until_ms_ - QuotaNowMs();
  mute_timer_.ExpireAfter(std::chrono::milliseconds(std::max<int64_t>(remaining, 1)),
                          [this, alive = alive_](absl::Status status) {
                            if (!status.ok() || !*alive) return;
                            if (muted_until_ms_ > QuotaNowMs()) {
                              ArmMuteTimer();
                              return;
                            }
                            UpdateBackpressure();
                          });
}

void ClientSession::UpdateBackpressure() {
  if (closed_ || !connection_->is_open()) return;
  const bool responses_piled_up = connection_->queued_bytes() >= limits_.max_queued_response_bytes;
  if (responses_piled_up && !drain_armed_) {
    drain_armed_ = true;
    connection_->NotifyWhenDrained(limits_.max_queued_response_bytes / 2);
  }
  const bool overloaded = slots_.size() >= limits_.max_in_flight_requests || responses_piled_up ||
                          waiting_for_budget_ || pending_granted_ || muted_until_ms_ > QuotaNowMs();
  if (overloaded && !paused_) {
    paused_ = true;
    connection_->PauseReading();
  } else if (!overloaded && paused_) {
    paused_ = false;
    connection_->ResumeReading();
  }
}

}  // namespace cairn::broker
