// TcpListener over asio::ip::tcp::acceptor (see tcp_listener.h). The accept
// loop holds the shared State, so a completion after Close() or destruction
// finds `closed` set and stops.

#include "io/tcp_listener.h"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "common/check.h"
#include "common/logging.h"
#include "io/asio_status.h"
#include "io/shard.h"
#include "io/timer.h"

namespace cairn::io {

namespace {

// Pause after an accept error other than a client giving up, so that running
// out of descriptors (EMFILE) does not spin the shard.
constexpr std::chrono::milliseconds kAcceptBackoff{100};

std::string HostPort(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos && host.front() != '[') {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

}  // namespace

struct TcpListener::State : std::enable_shared_from_this<State> {
  State(Shard& owner, asio::ip::tcp::acceptor a, AcceptCallback callback, std::string listen_name,
        uint16_t bound_port)
      : shard(owner),
        acceptor(std::move(a)),
        backoff(owner),
        on_accept(std::move(callback)),
        name(std::move(listen_name)),
        port(bound_port) {}

  void Accept();
  void OnAccept(const asio::error_code& ec, asio::ip::tcp::socket socket);

  Shard& shard;
  asio::ip::tcp::acceptor acceptor;
  Timer backoff;
  AcceptCallback on_accept;
  const std::string name;  // host:port, for messages
  const uint16_t port;
  bool closed = false;
  bool error_logged = false;  // since the last successful accept
};

void TcpListener::State::Accept() {
  acceptor.async_accept(
      [self = shared_from_this()](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void TcpListener::State::OnAccept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (closed) return;  // `socket`, if any, closes on the way out
  if (ec == asio::error::connection_aborted) {
    Accept();  // the client gave up before we accepted: nothing to wait for
    return;
  }
  if (ec) {
    if (!error_logged) {
      CAIRN_LOG(kWarning) << "accept on " << name << ": " << ec.message() << " (errno "
                          << ec.value() << "); retrying every " << kAcceptBackoff.count()
                          << " ms";
      error_logged = true;
    }
    backoff.ExpireAfter(kAcceptBackoff, [self = shared_from_this()](absl::Status status) {
      if (!status.ok() || self->closed) return;
      self->Accept();
    });
    return;
  }
  error_logged = false;
  asio::error_code release_error;
  const int fd = socket.release(release_error);
  if (release_error) {
    CAIRN_LOG(kWarning) << "accept on " << name << ": " << release_error.message();
  } else {
    absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Adopt(shard, fd);
    if (connection.ok()) {
      on_accept(*std::move(connection));
    } else {
      CAIRN_LOG(kWarning) << "accept on " << name << ": " << connection.status();
    }
  }
  if (!closed) Accept();
}

absl::StatusOr<std::unique_ptr<TcpListener>> TcpListener::Listen(Shard& shard,
                                                                 const std::string& host,
                                                                 uint16_t port,
                                                                 AcceptCallback on_accept,
                                                                 ListenOptions options) {
  CAIRN_CHECK(on_accept != nullptr);
  CAIRN_DCHECK(Shard::Current() == &shard) << "Listen off the shard's thread";
  std::string numeric = host;
  if (numeric.size() >= 2 && numeric.front() == '[' && numeric.back() == ']') {
    numeric = numeric.substr(1, numeric.size() - 2);
  }
  if (numeric.empty()) numeric = "0.0.0.0";
  if (numeric == "localhost") numeric = "127.0.0.1";
  const std::string requested = HostPort(host.empty() ? numeric : host, port);

  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(numeric, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen on ", requested,
                     ": the host is not a numeric IP address (names are not resolved)"));
  }
  const asio::ip::tcp::endpoint endpoint(address, port);
  asio::ip::tcp::acceptor acceptor(shard.io_context());
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": socket"));
  acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": SO_REUSEADDR"));
  if (options.reuse_port) {
    const int one = 1;
    if (setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("listen on ", requested, ": SO_REUSEPORT"));
    }
  }
  acceptor.bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen on ", requested,
        ": address already in use (by another process, or by a socket without SO_REUSEPORT)"));
  }
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": bind"));
  acceptor.listen(options.backlog, ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": listen"));
  const asio::ip::tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": getsockname"));

  auto state =
      std::make_shared<State>(shard, std::move(acceptor), std::move(on_accept),
                              HostPort(host.empty() ? numeric : host, bound.port()), bound.port());
  state->Accept();
  return std::unique_ptr<TcpListener>(new TcpListener(std::move(state)));
}

TcpListener::TcpListener(std::shared_ptr<State> state) : state_(std::move(state)) {}

TcpListener::~TcpListener() { Close(); }

uint16_t TcpListener::port() const { return state_->port; }

void TcpListener::Close() {
  State& s = *state_;
  CAIRN_DCHECK(Shard::Current() == &s.shard || Shard::Current() == nullptr)
      << "TcpListener::Close on another shard";
  if (s.closed) return;
  s.closed = true;
  asio::error_code ignored;
  s.acceptor.close(ignored);
  s.backoff.Cancel();
}

}  // namespace cairn::io
