// Small helpers shared by the API handlers.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "broker/kafka_errors.h"
#include "broker/request.h"
#include "common/error_reason.h"
#include "common/logging.h"
#include "common/server_config.h"
#include "proto/kafka/codec.h"

namespace cairn::broker {

// Kafka's ConfigResource.Type, as DescribeConfigs and the two AlterConfigs
// name resources.
inline constexpr int8_t kConfigResourceTopic = 2;
inline constexpr int8_t kConfigResourceBroker = 4;

// A request Kafka answers with INVALID_REQUEST (42).
inline absl::Status InvalidRequest(std::string message) {
  return WithReason(absl::InvalidArgumentError(std::move(message)), ErrorReason::kInvalidRequest);
}

inline int16_t ErrorCodeOf(const absl::Status& status) { return static_cast<int16_t>(ToKafkaError(status)); }

// The message for a response's error_message field: null when OK.
inline std::optional<std::string> ErrorMessageOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  return std::string(status.message());
}

// Decodes the body of `request` into `message`. On failure it answers by
// closing the connection and returns false.
// The listener clients should use (Metadata's broker, FindCoordinator's
// answer): the first advertised one that is not a controller listener.
inline const Listener* ClientListener(const ServerConfig& config) {
  for (const Listener& listener : config.advertised_listeners) {
    if (!config.IsControllerListener(listener)) return &listener;
  }
  return nullptr;
}

// The client's address as Kafka reports it in DescribeGroups ("/10.0.0.1"):
// the peer's "ip:port" without the port.
inline std::string ClientHost(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  std::string host = colon == std::string::npos ? peer : peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return "/" + host;
}

template <typename Message>
bool DecodeBody(const Request& request, Message* message, Respond& respond) {
  absl::Status decoded = kafka::DecodeExact(request.body, request.version(), message);
  if (decoded.ok()) return true;
  std::move(respond)(Reply::Close(decoded));
  return false;
}

template <typename Message>
void RespondWith(Respond& respond, const Message& message, int16_t version) {
  std::move(respond)(Reply::With(kafka::EncodeToBuffer(message, version)));
}

}  // namespace cairn::broker
