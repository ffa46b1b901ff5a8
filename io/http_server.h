// A minimal HTTP/1.1 server on one shard, for the admin listener (DESIGN.md
// §10): GET only, one request per connection (every response carries
// `Connection: close`), a bounded request head and a deadline to send it.
// Handlers may answer later (after gathering from other shards).
//
// Threading: Listen, Route, Close, port() and the destructor run on the
// shard's thread; handlers are called there, and must call their reply there.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

namespace cairn::io {

class Shard;

struct HttpRequest {
  std::string method;   // "GET"
  std::string target;   // as sent: "/metrics?name=x"
  std::string path;     // the target up to '?'
  std::string query;    // after '?', undecoded; empty without one
  std::string version;  // "HTTP/1.1"
  // In arrival order; names lower-cased, values trimmed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string peer;  // "ip:port"

  // The first header named `name` (lower case), or nullptr.
  const std::string* Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra header lines, e.g. {"Allow", "GET"}.
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Text(int status, std::string body);
};

// "OK", "Not Found", ...; "Unknown" for codes the server never sends.
std::string_view HttpReasonPhrase(int status);

class HttpServer {
 public:
  using Reply = absl::AnyInvocable<void(HttpResponse) &&>;
  // Answers by calling the reply exactly once, now or later, on the shard's
  // thread. A reply after the connection closed (or the server went away) is
  // dropped. A reply never called leaves the client to its own timeout.
  using Handler = absl::AnyInvocable<void(const HttpRequest&, Reply)>;

  struct Options {
    // Request line plus headers; more → 431 and close.
    size_t max_header_bytes = 8 << 10;
    // The whole request head must arrive within this, and the response must
    // be written within it after the handler answers → otherwise close.
    std::chrono::milliseconds timeout{10000};
    // Connections open at once; more are closed as soon as accepted.
    size_t max_connections = 128;
  };

  // Binds host:port (SO_REUSEADDR, never SO_REUSEPORT: a second server on the
  // same port must fail) and starts accepting. `host` is a numeric IPv4 or
  // IPv6 address (brackets allowed), "localhost" or "" (every IPv4 address);
  // port 0 picks one. Errors name host:port: InvalidArgument for a bad host,
  // FailedPrecondition for an address in use. Call on `shard`'s thread.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Listen(Shard& shard, const std::string& host,
                                                            uint16_t port, Options options);
  static absl::StatusOr<std::unique_ptr<HttpServer>> Listen(Shard& shard, const std::string& host,
                                                            uint16_t port) {
    return Listen(shard, host, port, Options{});
  }

  // Close().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // GET `path` (exact match, query ignored) goes to `handler`; unrouted
  // paths get 404, other methods 405.
  void Route(std::string path, Handler handler);

  uint16_t port() const;
  // Stops accepting and closes every connection; pending replies are
  // dropped. Idempotent.
  void Close();

 private:
  struct State;    // Asio state, shared with the pending accept
  class Session;   // one accepted connection

  explicit HttpServer(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace cairn::io
