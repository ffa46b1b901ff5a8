// One decoded Kafka request as handlers see it, and the way they answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "common/bytes.h"
#include "io/connection.h"
#include "proto/kafka/header.h"

namespace cairn::broker {

class ShardContext;

struct Request {
  kafka::RequestHeader header;
  ReadBuffer frame;   // the whole request frame; `body` points into it
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
  // The body: `body`, or when `pieces` is not empty their concatenation (a
  // gather send: Fetch sends stored batches straight from their files).
  Buffer body;
  std::vector<io::Connection::Piece> pieces;
  absl::Status close_reason;

  static Reply With(Buffer body) {
    Reply reply;
    reply.body = std::move(body);
    return reply;
  }
  static Reply WithPieces(std::vector<io::Connection::Piece> pieces) {
    Reply reply;
    reply.pieces = std::move(pieces);
    return reply;
  }
  static Reply NoResponse() {
    Reply reply;
    reply.kind = Kind::kNoResponse;
    return reply;
  }
  static Reply Close(absl::Status reason) {
    Reply reply;
    reply.kind = Kind::kCloseConnection;
    reply.close_reason = std::move(reason);
    return reply;
  }
};
using Respond = absl::AnyInvocable<void(Reply) &&>;

using Handler = void (*)(ShardContext& shard, Request request, Respond respond);

}  // namespace cairn::broker
