// Small helpers shared by the API handlers.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "broker/kafka_errors.h"
#include "broker/request.h"
#include "common/logging.h"
#include "proto/kafka/codec.h"

namespace cairn::broker {

inline int16_t ErrorCodeOf(const absl::Status& status) { return static_cast<int16_t>(ToKafkaError(status)); }

// The message for a response's error_message field: null when OK.
inline std::optional<std::string> ErrorMessageOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  return std::string(status.message());
}

// Decodes the body of `request` into `message`. On failure it answers by
// closing the connection and returns false.
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
