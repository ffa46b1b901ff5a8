// One decoded Kafka request as handlers see it, and the way they answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "common/bytes.h"
#include "proto/kafka/header.h"

namespace cairn::broker {

class ShardContext;

struct Request {
  kafka::RequestHeader header;
  Buffer frame;       // the whole request frame; `body` points into it
  ByteSpan body;      // the request body, after the header
  std::string peer;   // client address, for logs
  int16_t version() const { return header.api_version; }
};

// A handler's answer: an encoded response body (the session adds the
// header), no response at all (Produce with acks=0), or closing the
// connection (a body that does not decode: client and broker disagree on the
// framing, so nothing sent after it could be trusted).
struct Reply {
  enum class Kind { kResponse, kNoResponse, kCloseConnection };
  Kind kind = Kind::kResponse;
  Buffer body;
  absl::Status close_reason;

  static Reply With(Buffer body) { return {Kind::kResponse, std::move(body), {}}; }
  static Reply NoResponse() { return {Kind::kNoResponse, {}, {}}; }
  static Reply Close(absl::Status reason) { return {Kind::kCloseConnection, {}, std::move(reason)}; }
};
using Respond = absl::AnyInvocable<void(Reply) &&>;

using Handler = void (*)(ShardContext& shard, Request request, Respond respond);

}  // namespace cairn::broker
