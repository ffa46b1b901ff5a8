#include "client/broker_connection.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/kafka_error.h"
#include "common/check.h"
#include "io/shard.h"
#include "proto/kafka/codec.h"
#include "proto/kafka/generated/api.h"
#include "proto/kafka/generated/api_versions.h"
#include "proto/kafka/header.h"
#include "proto/kafka/reader.h"

namespace cairn::client {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {
constexpr int16_t kApiVersionsKey = static_cast<int16_t>(kafka::ApiKey::kApiVersions);
// The first ApiVersions we try; a broker that lacks it answers in v0 with
// UNSUPPORTED_VERSION and its ranges, which is all we need.
constexpr int16_t kApiVersionsFirstTry = 3;

// The pieces of a frame whose encoder spliced record batches out
// (kafka::Writer::SpliceRecords): the encoded bytes around each batch, and the
// batch itself, none of them copied.
std::vector<io::Connection::Piece> SplicedFrame(Buffer encoded, const std::vector<kafka::Writer::Splice>& splices,
                                                const std::shared_ptr<const void>& batches_owner) {
  const auto head = std::make_shared<const Buffer>(std::move(encoded));
  const ByteSpan bytes(*head);
  std::vector<io::Connection::Piece> pieces;
  pieces.reserve(2 * splices.size() + 1);
  size_t from = 0;
  for (const kafka::Writer::Splice& splice : splices) {
    pieces.emplace_back(io::Connection::SharedBytes{bytes.subspan(from, splice.offset - from), head});
    pieces.emplace_back(io::Connection::SharedBytes{splice.bytes, batches_owner});
    from = splice.offset;
  }
  pieces.emplace_back(io::Connection::SharedBytes{bytes.subspan(from), head});
  return pieces;
}
}  // namespace

BrokerConnection::BrokerConnection(io::Shard& shard, int32_t node_id, BrokerAddress address,
                                   const ClientConfig& config, std::function<void(int32_t)> on_ready)
    : shard_(shard),
      node_id_(node_id),
      address_(std::move(address)),
      config_(config),
      on_ready_(std::move(on_ready)),
      backoff_timer_(shard),
      backoff_ms_(config.reconnect_backoff_ms) {}

BrokerConnection::~BrokerConnection() { *alive_ = false; }

void BrokerConnection::Later(absl::AnyInvocable<void() &&> task) {
  shard_.Post([alive = std::weak_ptr<bool>(alive_), task = std::move(task)]() mutable {
    auto live = alive.lock();
    if (live && *live) std::move(task)();
  });
}

bool BrokerConnection::has_free_slot() const {
  return state_ == State::kReady && queued_.empty() &&
         in_flight_.size() < static_cast<size_t>(config_.max_in_flight_requests_per_connection);
}

void BrokerConnection::UpdateAddress(const BrokerAddress& address) {
  if (address == address_) return;
  address_ = address;
  if (state_ != State::kIdle && state_ != State::kBackoff) Fail(absl::UnavailableError("broker address changed"));
}

void BrokerConnection::Submit(Request request) {
  if (queued_.size() >= config_.max_queued_requests_per_connection) {
    Later([done = std::move(request.done), node = node_id_]() mutable {
      std::move(done)(absl::ResourceExhaustedError(absl::StrCat("too many requests queued for node ", node)), 0, {});
    });
    return;
  }
  queued_.push_back(std::move(request));
  if (state_ == State::kIdle) Connect();
  Pump();
}

void BrokerConnection::Connect() {
  if (state_ != State::kIdle) return;
  state_ = State::kConnecting;
  connector_ = io::TcpConnector::Connect(
      shard_, address_.host, address_.port, std::chrono::milliseconds(config_.socket_connection_setup_timeout_ms),
      [this](absl::StatusOr<std::unique_ptr<io::Connection>> connection) { OnConnected(std::move(connection)); });
}

void BrokerConnection::OnConnected(absl::StatusOr<std::unique_ptr<io::Connection>> connection) {
  if (!connection.ok()) {
    Fail(connection.status());
    return;
  }
  connection_ = std::move(*connection);
  io::Connection::Limits limits;
  limits.idle_timeout = std::chrono::milliseconds(0);  // we close on request timeouts ourselves
  connection_->Start(this, limits);
  state_ = State::kHandshaking;
  SendApiVersions();
}

void BrokerConnection::SendApiVersions() {
  auto encode = [](kafka::Writer& w, int16_t version) {
    kafka::ApiVersionsRequest request;
    request.client_software_name = "cairn-client";
    request.client_software_version = "0.1";
    request.Encode(w, version);
  };
  auto done = [this](absl::Status status, int16_t version, ByteSpan body) {
    if (!status.ok()) return;  // the connection failed; Fail() already ran
    kafka::ApiVersionsResponse response;
    absl::Status decoded = kafka::DecodeExact(body, version, &response);
    if (!decoded.ok()) {
      // An UNSUPPORTED_VERSION answer comes in the v0 format whatever we asked.
      response = {};
      decoded = kafka::DecodeExact(body, 0, &response);
    }
    if (!decoded.ok()) {
      Fail(absl::InternalError(absl::StrCat("bad ApiVersions response: ", decoded.message())));
      return;
    }
    if (response.error_code != 0 && response.error_code != kafka_error::kUnsupportedVersion) {
      Fail(KafkaErrorStatus(response.error_code, "ApiVersions"));
      return;
    }
    versions_ = ApiVersionTable::FromResponse(response);
    state_ = State::kReady;
    backoff_ms_ = config_.reconnect_backoff_ms;
    last_failure_ = absl::OkStatus();
    Pump();
    if (on_ready_) on_ready_(node_id_);
  };
  Write(kApiVersionsKey, kApiVersionsFirstTry, std::move(encode), SteadyNowMs() + config_.request_timeout_ms, true,
        std::move(done));
}

void BrokerConnection::Pump() {
  if (pumping_) return;
  pumping_ = true;
  while (state_ == State::kReady && !queued_.empty() &&
         in_flight_.size() < static_cast<size_t>(config_.max_in_flight_requests_per_connection)) {
    Request request = std::move(queued_.front());
    queued_.pop_front();
    absl::StatusOr<int16_t> version = versions_.Pick(request.api_key);
    if (!version.ok()) {
      Later([done = std::move(request.done), status = version.status()]() mutable { std::move(done)(status, 0, {}); });
      continue;
    }
    Write(request.api_key, *version, std::move(request.encode), request.deadline_ms, request.expects_response,
          std::move(request.done));
  }
  pumping_ = false;
}

void BrokerConnection::Write(int16_t api_key, int16_t version, BodyEncoder encode, int64_t deadline_ms,
                             bool expects_response, ResponseCallback done) {
  CAIRN_CHECK(connection_ != nullptr);
  kafka::RequestHeader header;
  header.api_key = api_key;
  header.api_version = version;
  header.correlation_id = next_correlation_id_++;
  header.client_id = config_.client_id;
  Buffer frame;
  kafka::Writer w(frame);
  kafka::EncodeRequestHeader(header, w);
  std::move(encode)(w, version);
  if (w.splices().empty()) {
    connection_->Send(std::move(frame));
  } else {
    connection_->SendPieces(SplicedFrame(std::move(frame), w.splices(), w.splice_owner()));
  }
  if (expects_response) {
    in_flight_.push_back({header.correlation_id, api_key, version, deadline_ms, std::move(done)});
  } else {
    Later([done = std::move(done), version]() mutable { std::move(done)(absl::OkStatus(), version, {}); });
  }
}

void BrokerConnection::OnFrame(ReadBuffer frame) {
  if (frame.size() < 4 || in_flight_.empty()) {
    Fail(absl::InternalError("unexpected response frame"));
    return;
  }
  const int32_t correlation_id = LoadBigEndian<int32_t>(frame.data());
  if (correlation_id != in_flight_.front().correlation_id) {
    Fail(absl::InternalError(absl::StrCat("response correlation id ", correlation_id, " but expected ",
                                          in_flight_.front().correlation_id)));
    return;
  }
  InFlight request = std::move(in_flight_.front());
  in_flight_.pop_front();
  kafka::Reader r(frame);
  kafka::ResponseHeader header;
  absl::Status status = header.Decode(r, kafka::ResponseHeaderVersion(request.api_key, request.version));
  if (!status.ok()) {
    Fail(status);
    return;
  }
  const ByteSpan body = ByteSpan(frame).subspan(frame.size() - r.remaining());
  std::move(request.done)(absl::OkStatus(), request.version, body);
  Pump();
}

void BrokerConnection::OnClose(absl::Status reason) {
  Fail(reason.ok() ? absl::UnavailableError("connection closed") : reason);
}

void BrokerConnection::Fail(const absl::Status& why) {
  const absl::Status status = absl::UnavailableError(absl::StrCat(
      "connection to node ", node_id_, " at ", address_.host, ":", address_.port, " failed: ", why.ToString()));
  last_failure_ = why;
  connector_.reset();
  // Destroying the Connection inside its own callback is allowed (see
  // io/connection.h), and it calls no handler afterwards.
  connection_.reset();
  std::deque<InFlight> failed = std::move(in_flight_);
  in_flight_.clear();
  state_ = State::kBackoff;
  const int64_t wait_ms = backoff_ms_;
  backoff_ms_ = std::min(backoff_ms_ * 2, config_.reconnect_backoff_max_ms);
  backoff_timer_.ExpireAfter(std::chrono::milliseconds(wait_ms), [this](absl::Status timer) {
    if (!timer.ok()) return;
    state_ = State::kIdle;
    if (!queued_.empty()) Connect();
  });
  for (InFlight& request : failed) std::move(request.done)(status, request.version, {});
}

void BrokerConnection::CheckTimeouts(int64_t now_ms) {
  if (!in_flight_.empty() && in_flight_.front().deadline_ms <= now_ms) {
    Fail(absl::DeadlineExceededError(absl::StrCat("request timed out (api key ", in_flight_.front().api_key, ")")));
  }
  while (!queued_.empty() && queued_.front().deadline_ms <= now_ms) {
    Request request = std::move(queued_.front());
    queued_.pop_front();
    std::string text = absl::StrCat("no connection to node ", node_id_, " at ", address_.host, ":", address_.port,
                                    " before the request timed out");
    if (!last_failure_.ok()) absl::StrAppend(&text, "; the last attempt failed: ", last_failure_.message());
    std::move(request.done)(absl::DeadlineExceededError(text), 0, {});
  }
}

void BrokerConnection::Shutdown(const absl::Status& why) {
  std::deque<Request> queued = std::move(queued_);
  queued_.clear();
  Fail(why);
  backoff_timer_.Cancel();
  state_ = State::kIdle;
  for (Request& request : queued) std::move(request.done)(why, 0, {});
}

}  // namespace cairn::client
