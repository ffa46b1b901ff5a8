// An outbound TCP connection on one shard: the client-side twin of
// TcpListener. The Connection it yields is the same class accepted ones are
// (same framing, limits and Handler model, io/connection.h), so a peer that
// dials and a peer that accepts speak through identical code.
//
// Threading: Connect, the destructor and the callback run on the shard's
// thread (the destructor may also run once that thread stopped).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "io/connection.h"

namespace cairn::io {

class Shard;

class TcpConnector {
 public:
  // Receives the connected Connection (TCP_NODELAY set, not started yet), or
  // why there is none: Unavailable for a refused or unreachable peer or a
  // name that does not resolve, DeadlineExceeded when the timeout ran out
  // first, InvalidArgument for an empty host.
  using ConnectCallback =
      absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Connection>>) &&>;

  // Starts connecting to host:port. `host` is a numeric IPv4/IPv6 address
  // (an IPv6 one may be in brackets) or a name, resolved off the shard's
  // thread and then tried address by address; `timeout` covers both.
  // `done` runs exactly once, later (never inline), unless the
  // returned TcpConnector is destroyed first: then it never runs, so an owner
  // may capture `this` and simply destroy the connector in its destructor.
  // Call on `shard`'s thread.
  static std::unique_ptr<TcpConnector> Connect(Shard& shard, const std::string& host,
                                               uint16_t port, std::chrono::milliseconds timeout,
                                               ConnectCallback done);

  // Abandons an attempt still in progress (closing its socket).
  ~TcpConnector();
  TcpConnector(const TcpConnector&) = delete;
  TcpConnector& operator=(const TcpConnector&) = delete;

  // True once the callback ran.
  bool done() const;

 private:
  struct State;  // Asio state, shared with the pending connect and timer

  explicit TcpConnector(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace cairn::io
