#include "broker/client_session.h"

#include "absl/strings/str_cat.h"
#include "broker/api_table.h"
#include "broker/kafka_errors.h"
#include "common/logging.h"
#include "proto/kafka/generated/api.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::broker {

ClientSession::ClientSession(ShardContext& shard, std::unique_ptr<io::Connection> connection, Limits limits,
                             absl::AnyInvocable<void(ClientSession*) &&> on_closed)
    : shard_(shard), connection_(std::move(connection)), limits_(limits), on_closed_(std::move(on_closed)) {}

ClientSession::~ClientSession() { *alive_ = false; }

void ClientSession::Start(io::Connection::Limits connection_limits) { connection_->Start(this, connection_limits); }

void ClientSession::OnFrame(Buffer frame) { Dispatch(std::move(frame)); }

void ClientSession::OnClose(absl::Status reason) {
  if (closed_) return;
  closed_ = true;
  if (!reason.ok() && !absl::IsUnavailable(reason) && !absl::IsCancelled(reason)) {
    CAIRN_LOG(kInfo) << "closing connection from " << connection_->peer() << ": " << reason;
  }
  // Handlers still running answer into slots nobody reads; alive_ guards them.
  std::move(on_closed_)(this);  // destroys this session
}

void ClientSession::CloseWithError(const absl::Status& status) {
  CAIRN_LOG(kInfo) << "closing connection from " << connection_->peer() << ": " << status;
  connection_->Close();
}

void ClientSession::Dispatch(Buffer frame) {
  kafka::Reader reader(frame);
  Request request;
  if (absl::Status decoded = kafka::DecodeRequestHeader(reader, &request.header); !decoded.ok()) {
    // Without a readable header there is no correlation id to answer with.
    CloseWithError(decoded);
    return;
  }
  const int16_t api_key = request.header.api_key;
  const int16_t version = request.header.api_version;
  const ApiEntry* api = FindApiEntry(api_key);
  if (api == nullptr) {
    CloseWithError(absl::InvalidArgumentError(absl::StrCat("unknown api key ", api_key)));
    return;
  }
  auto slot = std::make_shared<Slot>();
  slot->correlation_id = request.header.correlation_id;
  slot->response_header_version = kafka::ResponseHeaderVersion(api_key, version);
  if (version < api->min_version || version > api->max_version) {
    if (api->key != kafka::ApiKey::kApiVersions) {
      CloseWithError(absl::InvalidArgumentError(
          absl::StrCat(api->name, " v", version, " is not supported (", api->min_version, "-", api->max_version, ")")));
      return;
    }
    // ApiVersions at an unknown version: answer in v0 with UNSUPPORTED_VERSION
    // so the client retries with a version we list (KIP-511).
    slot->response_header_version = 0;
  }
  request.body = reader.rest();  // points into `frame`, whose storage moves with it
  request.frame = std::move(frame);
  request.peer = connection_->peer();
  slots_.push_back(slot);
  UpdateBackpressure();
  api->handler(shard_, std::move(request), [this, alive = alive_, slot](Reply reply) mutable {
    if (*alive) Complete(slot, std::move(reply));
  });
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
    if (slot->reply.kind == Reply::Kind::kNoResponse) continue;
    if (slot->reply.kind == Reply::Kind::kCloseConnection) {
      CloseWithError(slot->reply.close_reason);
      return;
    }
    Buffer response;
    kafka::Writer writer(response);
    kafka::ResponseHeader header;
    header.correlation_id = slot->correlation_id;
    header.Encode(writer, slot->response_header_version);
    response.insert(response.end(), slot->reply.body.begin(), slot->reply.body.end());
    connection_->Send(std::move(response));
  }
  UpdateBackpressure();
}

void ClientSession::UpdateBackpressure() {
  const bool overloaded = slots_.size() >= limits_.max_in_flight_requests ||
                          connection_->queued_bytes() >= limits_.max_queued_response_bytes;
  if (overloaded && !paused_) {
    paused_ = true;
    connection_->PauseReading();
  } else if (!overloaded && paused_) {
    paused_ = false;
    connection_->ResumeReading();
  }
}

}  // namespace cairn::broker
