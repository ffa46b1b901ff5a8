// HttpServer over an asio::ip::tcp::acceptor (see http_server.h). Each
// connection's state is owned by the server and shared with its in-flight
// completions, so Close() reaches every one of them. A connection reads one
// request head, answers it, half-closes and drains the socket briefly (so
// unread request bytes do not turn the close into a reset that could discard
// the response), then closes.

#include "io/http_server.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/write.hpp"
#include "common/check.h"
#include "common/logging.h"
#include "io/asio_status.h"
#include "io/shard.h"
#include "io/timer.h"

namespace cairn::io {

namespace {

constexpr std::chrono::milliseconds kAcceptBackoff{100};
// After the response: how long to drain what the client still sends.
constexpr std::chrono::milliseconds kLingerMax{1000};
constexpr size_t kReadChunkBytes = 4096;

std::string HostPort(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos && host.front() != '[') {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

std::string EndpointString(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  if (address.is_v6()) return absl::StrCat("[", address.to_string(), "]:", endpoint.port());
  return absl::StrCat(address.to_string(), ":", endpoint.port());
}

// Bytes of the request head including its terminating empty line (CRLF or a
// bare LF), or npos while the empty line has not arrived.
size_t FindHeadEnd(std::string_view data) {
  for (size_t i = data.find('\n'); i != std::string_view::npos; i = data.find('\n', i + 1)) {
    if (i + 1 < data.size() && data[i + 1] == '\n') return i + 2;
    if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Parses a request head (FindHeadEnd bytes). On failure returns the status
// code to answer with (400 or 505); 0 on success.
int ParseHead(std::string_view head, HttpRequest* request) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find('\n', start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return 400;

  const std::string_view request_line = lines[0];
  const size_t first_space = request_line.find(' ');
  const size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) return 400;
  const std::string_view method = request_line.substr(0, first_space);
  const std::string_view target = request_line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = request_line.substr(last_space + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), IsTokenChar)) return 400;
  if (target.empty() || target.front() != '/' || target.find(' ') != std::string_view::npos) return 400;
  if (!version.starts_with("HTTP/")) return 400;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return 505;
  request->method = std::string(method);
  request->target = std::string(target);
  const size_t question = target.find('?');
  request->path = std::string(target.substr(0, question));
  request->query = question == std::string_view::npos ? "" : std::string(target.substr(question + 1));
  request->version = std::string(version);

  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    // Obsolete line folding (RFC 9112 §5.2) and empty names are rejected.
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return 400;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return 400;
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTokenChar)) return 400;
    const absl::string_view value =
        absl::StripAsciiWhitespace(absl::string_view(line.data() + colon + 1, line.size() - colon - 1));
    request->headers.emplace_back(absl::AsciiStrToLower(absl::string_view(name.data(), name.size())),
                                  std::string(value.data(), value.size()));
  }
  return 0;
}

std::string SerializeHead(const HttpResponse& response) {
  const std::string_view reason = HttpReasonPhrase(response.status);
  std::string head =
      absl::StrCat("HTTP/1.1 ", response.status, " ", absl::string_view(reason.data(), reason.size()), "\r\n");
  absl::StrAppend(&head, "Content-Type: ", response.content_type, "\r\n");
  absl::StrAppend(&head, "Content-Length: ", response.body.size(), "\r\n");
  for (const auto& [name, value] : response.headers) absl::StrAppend(&head, name, ": ", value, "\r\n");
  absl::StrAppend(&head, "Connection: close\r\n\r\n");
  return head;
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string_view HttpReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

// ------------------------------------------------------------- connection

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(Shard& owner, asio::ip::tcp::acceptor a, Options opts, std::string listen_name, uint16_t bound_port)
      : shard(owner),
        acceptor(std::move(a)),
        backoff(owner),
        options(opts),
        name(std::move(listen_name)),
        port(bound_port) {}

  void Accept();
  void OnAccept(const asio::error_code& ec, asio::ip::tcp::socket socket);

  Shard& shard;
  asio::ip::tcp::acceptor acceptor;
  Timer backoff;
  const Options options;
  const std::string name;  // host:port, for messages
  const uint16_t port;
  std::map<std::string, Handler, std::less<>> routes;
  // Owns each open connection (a handler answering later holds only a weak
  // reference); a connection removes itself when it closes.
  std::map<Session*, std::shared_ptr<Session>> connections;
  bool closed = false;
  bool error_logged = false;
};

class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::weak_ptr<HttpServer::State> server, Shard& shard, asio::ip::tcp::socket socket,
                 const HttpServer::Options& options, std::string peer)
      : server_(std::move(server)),
        shard_(shard),
        socket_(std::move(socket)),
        timer_(shard),
        options_(options),
        peer_(std::move(peer)) {}

  void Start() {
    ArmTimer(options_.timeout, /*answer_408=*/true);
    ReadHead();
  }

  // Closes the socket; pending completions find `closed_` set.
  void Close() {
    if (closed_) return;
    closed_ = true;
    timer_.Cancel();
    asio::error_code ignored;
    socket_.close(ignored);
    if (auto server = server_.lock()) server->connections.erase(this);
  }

  void Respond(HttpResponse response) {
    CAIRN_DCHECK(Shard::Current() == &shard_) << "HTTP reply off the server's shard";
    if (closed_ || responded_) return;
    responded_ = true;
    out_ = SerializeHead(response);
    out_ += response.body;
    ArmTimer(options_.timeout, /*answer_408=*/false);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const asio::error_code& ec, size_t) { self->OnWritten(ec); });
  }

 private:
  void ArmTimer(std::chrono::milliseconds delay, bool answer_408) {
    timer_.ExpireAfter(delay, [weak = weak_from_this(), answer_408](absl::Status status) {
      auto self = weak.lock();
      if (!self || !status.ok() || self->closed_) return;
      if (answer_408 && !self->responded_) {
        self->Respond(HttpResponse::Text(408, "request head not received in time\n"));
      } else {
        self->Close();
      }
    });
  }

  void ReadHead() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](const asio::error_code& ec,
                                                                              size_t bytes) {
      self->OnHeadRead(ec, bytes);
    });
  }

  void OnHeadRead(const asio::error_code& ec, size_t bytes) {
    if (closed_ || responded_) return;
    if (ec) {
      Close();  // the client went away (or the socket failed) before a full head
      return;
    }
    const size_t searched = head_.size() >= 2 ? head_.size() - 2 : 0;
    head_.append(chunk_.data(), bytes);
    const size_t end = FindHeadEnd(std::string_view(head_).substr(searched));
    const size_t head_bytes = end == std::string_view::npos ? std::string_view::npos : searched + end;
    if (head_bytes == std::string_view::npos ? head_.size() > options_.max_header_bytes
                                             : head_bytes > options_.max_header_bytes) {
      Respond(HttpResponse::Text(431, absl::StrCat("request head exceeds ", options_.max_header_bytes, " bytes\n")));
      return;
    }
    if (head_bytes == std::string_view::npos) {
      ReadHead();
      return;
    }
    timer_.Cancel();  // the handler, not the client, is now the one to wait for
    Dispatch(std::string_view(head_).substr(0, head_bytes));
  }

  void Dispatch(std::string_view head) {
    HttpRequest request;
    request.peer = peer_;
    if (const int error = ParseHead(head, &request); error != 0) {
      Respond(HttpResponse::Text(error, error == 505 ? "only HTTP/1.0 and HTTP/1.1 are served\n"
                                                     : "malformed request head\n"));
      return;
    }
    if (request.method != "GET") {
      HttpResponse response = HttpResponse::Text(405, absl::StrCat("method ", request.method, " not allowed\n"));
      response.headers.emplace_back("Allow", "GET");
      Respond(std::move(response));
      return;
    }
    auto server = server_.lock();
    if (!server || server->closed) {
      Close();
      return;
    }
    auto route = server->routes.find(request.path);
    if (route == server->routes.end()) {
      Respond(HttpResponse::Text(404, absl::StrCat("no such path: ", request.path, "\n")));
      return;
    }
    route->second(request, [weak = weak_from_this()](HttpResponse response) {
      if (auto self = weak.lock()) self->Respond(std::move(response));
    });
  }

  void OnWritten(const asio::error_code& ec) {
    if (closed_) return;
    if (ec) {
      Close();
      return;
    }
    // Half-close, then drain until the client closes (or a short deadline):
    // closing with unread bytes pending would send a reset.
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    ArmTimer(std::min(options_.timeout, kLingerMax), /*answer_408=*/false);
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](const asio::error_code& ec, size_t) {
      if (self->closed_) return;
      if (ec) {
        self->Close();
      } else {
        self->Drain();
      }
    });
  }

  std::weak_ptr<HttpServer::State> server_;
  Shard& shard_;
  asio::ip::tcp::socket socket_;
  Timer timer_;
  const HttpServer::Options options_;
  const std::string peer_;
  std::array<char, kReadChunkBytes> chunk_{};
  std::string head_;
  std::string out_;
  bool responded_ = false;
  bool closed_ = false;
};

// ----------------------------------------------------------------- server

void HttpServer::State::Accept() {
  acceptor.async_accept([self = shared_from_this()](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    self->OnAccept(ec, std::move(socket));
  });
}

void HttpServer::State::OnAccept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (closed) return;
  if (ec == asio::error::connection_aborted) {
    Accept();
    return;
  }
  if (ec) {
    if (!error_logged) {
      CAIRN_LOG(kWarning) << "accept on HTTP " << name << ": " << ec.message() << "; retrying every "
                          << kAcceptBackoff.count() << " ms";
      error_logged = true;
    }
    backoff.ExpireAfter(kAcceptBackoff, [self = shared_from_this()](absl::Status status) {
      if (!status.ok() || self->closed) return;
      self->Accept();
    });
    return;
  }
  error_logged = false;
  if (connections.size() >= options.max_connections) {
    asio::error_code ignored;
    socket.close(ignored);  // over the limit: refuse by closing at once
  } else {
    asio::error_code endpoint_error;
    const asio::ip::tcp::endpoint remote = socket.remote_endpoint(endpoint_error);
    std::string peer = endpoint_error ? "unknown" : EndpointString(remote);
    auto connection = std::make_shared<Session>(weak_from_this(), shard, std::move(socket), options,
                                                       std::move(peer));
    connections.emplace(connection.get(), connection);
    connection->Start();
  }
  Accept();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Listen(Shard& shard, const std::string& host, uint16_t port,
                                                               Options options) {
  CAIRN_DCHECK(Shard::Current() == &shard) << "HttpServer::Listen off the shard's thread";
  CAIRN_CHECK(options.max_header_bytes > 0);
  CAIRN_CHECK(options.max_connections > 0);
  std::string numeric = host;
  if (numeric.size() >= 2 && numeric.front() == '[' && numeric.back() == ']') {
    numeric = numeric.substr(1, numeric.size() - 2);
  }
  if (numeric.empty()) numeric = "0.0.0.0";
  if (numeric == "localhost") numeric = "127.0.0.1";
  const std::string requested = HostPort(numeric, port);

  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(numeric, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen on ", requested, ": the host is not a numeric IP address (names are not resolved)"));
  }
  const asio::ip::tcp::endpoint endpoint(address, port);
  asio::ip::tcp::acceptor acceptor(shard.io_context());
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": socket"));
  acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": SO_REUSEADDR"));
  acceptor.bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return absl::FailedPreconditionError(absl::StrCat("listen on ", requested, ": address already in use"));
  }
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": bind"));
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": listen"));
  const asio::ip::tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return AsioErrorToStatus(ec, absl::StrCat("listen on ", requested, ": getsockname"));

  auto state = std::make_shared<State>(shard, std::move(acceptor), options, HostPort(numeric, bound.port()),
                                       bound.port());
  state->Accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() { Close(); }

void HttpServer::Route(std::string path, Handler handler) {
  CAIRN_DCHECK(Shard::Current() == &state_->shard) << "HttpServer::Route off the shard's thread";
  CAIRN_CHECK(handler != nullptr) << path;
  state_->routes.insert_or_assign(std::move(path), std::move(handler));
}

uint16_t HttpServer::port() const { return state_->port; }

void HttpServer::Close() {
  State& s = *state_;
  CAIRN_DCHECK(Shard::Current() == &s.shard) << "HttpServer::Close off the shard's thread";
  if (s.closed) return;
  s.closed = true;
  asio::error_code ignored;
  s.acceptor.close(ignored);
  s.backoff.Cancel();
  // Close() erases from the map: take it first.
  auto connections = std::move(s.connections);
  s.connections.clear();
  for (auto& [raw, connection] : connections) connection->Close();
  // Handlers may hold captures that point at their owner; drop them now.
  s.routes.clear();
}

}  // namespace cairn::io
