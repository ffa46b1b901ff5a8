// A listening TCP socket on one shard. Every shard listens on the same port
// with SO_REUSEPORT and the kernel spreads new connections across them, so a
// connection lives on the shard that accepted it (DESIGN.md §2).
//
// Threading: Listen, Close and port() run on the shard's thread, and so does
// on_accept. The destructor runs there too, or anywhere once the shard's
// thread has stopped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "io/connection.h"

namespace cairn::io {

class Shard;

struct ListenOptions {
  int backlog = 1024;  // listen(2) backlog, capped by net.core.somaxconn
  // SO_REUSEPORT: lets one listener per shard share the port.
  bool reuse_port = true;
};

class TcpListener {
 public:
  // Receives each accepted connection (TCP_NODELAY set, not started yet).
  using AcceptCallback = absl::AnyInvocable<void(std::unique_ptr<Connection>)>;

  // Binds host:port (SO_REUSEADDR, plus SO_REUSEPORT per `options`) and
  // starts accepting. `host` is a numeric IPv4 or IPv6 address, "localhost"
  // (127.0.0.1), or "" for every IPv4 address; no name resolution happens on
  // a shard. Port 0 picks a free port (see port()). Errors name host:port:
  // InvalidArgument for a bad host, FailedPrecondition for an address in use.
  // Call on `shard`'s thread.
  static absl::StatusOr<std::unique_ptr<TcpListener>> Listen(Shard& shard,
                                                             const std::string& host,
                                                             uint16_t port,
                                                             AcceptCallback on_accept,
                                                             ListenOptions options = {});

  // Closes the socket (Close()).
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // The bound port, the chosen one when Listen got port 0.
  uint16_t port() const;
  // Stops accepting and closes the listening socket; on_accept is not called
  // again. Connections already accepted are not affected. Idempotent.
  void Close();

 private:
  struct State;  // Asio state, shared with the pending accept

  explicit TcpListener(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace cairn::io
