// TcpConnector over asio::ip::tcp::socket::async_connect (see tcp_connector.h).
// The pending connect and the timeout timer both hold the shared State; the
// first to finish reports, and the timer closes the socket so the connect
// completes (aborted) instead of waiting for the kernel's own SYN timeout.
// A host name is first resolved with asio's resolver, which runs
// getaddrinfo on a thread of its own and posts the answer back to the
// shard: the shard never blocks on DNS (DESIGN.md §2).

#include "io/tcp_connector.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "asio/connect.hpp"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "common/check.h"
#include "io/asio_status.h"
#include "io/shard.h"
#include "io/timer.h"

namespace cairn::io {

struct TcpConnector::State : std::enable_shared_from_this<State> {
  State(Shard& owner, std::string peer_name, ConnectCallback callback)
      : shard(owner),
        socket(owner.io_context()),
        resolver(owner.io_context()),
        timer(owner),
        name(std::move(peer_name)),
        done(std::move(callback)) {}

  // Runs the callback once, unless abandoned (the connector was destroyed).
  void Finish(absl::StatusOr<std::unique_ptr<Connection>> result) {
    if (finished) return;
    finished = true;
    timer.Cancel();
    if (abandoned) return;
    std::move(done)(std::move(result));
  }

  void OnResolve(const asio::error_code& ec, const asio::ip::tcp::resolver::results_type& endpoints);
  void OnConnect(const asio::error_code& ec);
  // Stops whatever is pending: its handler then runs with operation_aborted.
  void Abort() {
    asio::error_code ignored;
    socket.close(ignored);
    resolver.cancel();
  }

  Shard& shard;
  asio::ip::tcp::socket socket;
  asio::ip::tcp::resolver resolver;
  Timer timer;
  const std::string name;  // host:port, for messages
  ConnectCallback done;
  bool finished = false;
  bool timed_out = false;
  bool abandoned = false;
};

void TcpConnector::State::OnResolve(const asio::error_code& ec,
                                    const asio::ip::tcp::resolver::results_type& endpoints) {
  if (finished) return;
  if (timed_out) {
    Finish(absl::DeadlineExceededError(absl::StrCat("connect to ", name, ": timed out resolving the host")));
    return;
  }
  if (ec) {
    // Unavailable, like a refused connect: a name may resolve later (a
    // broker whose DNS record is not published yet).
    Finish(absl::UnavailableError(absl::StrCat("connect to ", name, ": cannot resolve the host: ", ec.message())));
    return;
  }
  // Each address in turn, as getaddrinfo ordered them, until one accepts.
  asio::async_connect(socket, endpoints,
                      [self = shared_from_this()](const asio::error_code& error, const asio::ip::tcp::endpoint&) {
                        self->OnConnect(error);
                      });
}

void TcpConnector::State::OnConnect(const asio::error_code& ec) {
  if (finished) return;
  if (timed_out) {
    Finish(absl::DeadlineExceededError(absl::StrCat("connect to ", name, ": timed out")));
    return;
  }
  if (ec) {
    absl::Status status = AsioErrorToStatus(ec, absl::StrCat("connect to ", name));
    // Every way a peer can be missing (refused, unreachable, no route) is
    // "try again later" to the caller, like a peer closing a connection.
    if (!absl::IsCancelled(status) && !absl::IsUnavailable(status)) {
      status = absl::UnavailableError(status.message());
    }
    Finish(std::move(status));
    return;
  }
  asio::error_code release_error;
  const int fd = socket.release(release_error);
  if (release_error) {
    Finish(AsioErrorToStatus(release_error, absl::StrCat("connect to ", name, ": release")));
    return;
  }
  Finish(Connection::Adopt(shard, fd));
}

std::unique_ptr<TcpConnector> TcpConnector::Connect(Shard& shard, const std::string& host,
                                                    uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    ConnectCallback done) {
  CAIRN_CHECK(done != nullptr);
  CAIRN_DCHECK(Shard::Current() == &shard) << "Connect off the shard's thread";
  std::string numeric = host;
  if (numeric.size() >= 2 && numeric.front() == '[' && numeric.back() == ']') {
    numeric = numeric.substr(1, numeric.size() - 2);
  }
  const std::string name = numeric.find(':') != std::string::npos
                               ? absl::StrCat("[", numeric, "]:", port)
                               : absl::StrCat(numeric, ":", port);
  auto state = std::make_shared<State>(shard, name, std::move(done));
  std::unique_ptr<TcpConnector> connector(new TcpConnector(state));

  if (numeric.empty()) {
    // Reported from the loop, keeping "never inline" true for every outcome.
    shard.Post([state] {
      state->Finish(absl::InvalidArgumentError(absl::StrCat("connect to ", state->name, ": no host")));
    });
    return connector;
  }
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(numeric, ec);
  if (ec) {
    state->resolver.async_resolve(
        numeric, std::to_string(port), asio::ip::resolver_base::numeric_service,
        [state](const asio::error_code& error, const asio::ip::tcp::resolver::results_type& endpoints) {
          state->OnResolve(error, endpoints);
        });
  } else {
    state->socket.async_connect(asio::ip::tcp::endpoint(address, port),
                                [state](const asio::error_code& error) { state->OnConnect(error); });
  }
  state->timer.ExpireAfter(timeout, [weak = std::weak_ptr<State>(state)](absl::Status status) {
    const std::shared_ptr<State> s = weak.lock();
    if (!status.ok() || s == nullptr || s->finished) return;
    s->timed_out = true;
    s->Abort();  // completes the resolve or connect with operation_aborted
  });
  return connector;
}

TcpConnector::TcpConnector(std::shared_ptr<State> state) : state_(std::move(state)) {}

TcpConnector::~TcpConnector() {
  State& s = *state_;
  s.abandoned = true;
  if (!s.finished) {
    s.timer.Cancel();
    s.Abort();
  }
}

bool TcpConnector::done() const { return state_->finished; }

}  // namespace cairn::io
