// Tests for HttpServer on real loopback sockets: a Shard runs the server, the
// test thread is a blocking client (io/testing/http_client.h). Routing,
// methods, the head limit, the timeout, asynchronous replies and lifetime.
#include "io/http_server.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "io/shard.h"
#include "io/testing/http_client.h"
#include "io/testing/run_on_shard.h"

namespace cairn::io {
namespace {

using namespace std::chrono_literals;
using testing::HttpExchange;
using testing::HttpGet;
using testing::HttpResult;
using testing::HttpTestClient;

// A started shard and an HttpServer on 127.0.0.1:0 with a /hello route.
class Fixture {
 public:
  explicit Fixture(HttpServer::Options options = {}) {
    auto shard = Shard::Create(0);
    CAIRN_CHECK(shard.ok()) << shard.status();
    shard_ = *std::move(shard);
    shard_->Start(-1);
    const absl::Status listening = Run([this, options] {
      auto server = HttpServer::Listen(*shard_, "127.0.0.1", 0, options);
      if (!server.ok()) return server.status();
      server_ = *std::move(server);
      server_->Route("/hello", [](const HttpRequest& request, HttpServer::Reply reply) {
        std::move(reply)(HttpResponse::Text(200, absl::StrCat("hello ", request.query, "\n")));
      });
      port_ = server_->port();
      return absl::OkStatus();
    });
    CAIRN_CHECK(listening.ok()) << listening;
  }

  ~Fixture() {
    Run([this] {
      pending_.reset();
      server_.reset();
    });
    shard_->Stop();
  }

  template <typename F>
  auto Run(F task) -> std::invoke_result_t<F&> {
    return testing::RunOnShard(*shard_, std::move(task));
  }

  uint16_t port() const { return port_; }
  Shard& shard() { return *shard_; }
  HttpServer& server() { return *server_; }
  // Shard thread only: a reply a test holds back.
  std::optional<HttpServer::Reply>& pending() { return pending_; }
  void ResetServer() {
    Run([this] { server_.reset(); });
  }

 private:
  std::unique_ptr<Shard> shard_;
  std::unique_ptr<HttpServer> server_;
  std::optional<HttpServer::Reply> pending_;
  uint16_t port_ = 0;
};

TEST_CASE("HttpServer: a GET on a routed path gets the handler's answer and a close") {
  Fixture f;
  const HttpResult result = HttpGet(f.port(), "/hello?name=x");
  CHECK(result.ended);
  CHECK(result.status == 200);
  CHECK(result.body == "hello name=x\n");
  CHECK(result.Header("Content-Length") == "13");
  CHECK(result.Header("Content-Type") == "text/plain; charset=utf-8");
  CHECK(result.Header("Connection") == "close");
  CHECK(result.head.starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("HttpServer: an unknown path gets 404") {
  Fixture f;
  const HttpResult result = HttpGet(f.port(), "/nope");
  CHECK(result.status == 404);
  CHECK(result.ended);
}

TEST_CASE("HttpServer: methods other than GET get 405 with Allow GET") {
  Fixture f;
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
    const HttpResult result = HttpExchange(
        f.port(), absl::StrCat(method, " /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
    CHECK(result.status == 405);
    CHECK(result.Header("Allow") == "GET");
  }
}

TEST_CASE("HttpServer: a request head over 8 KiB gets 431") {
  Fixture f;
  const std::string big_header = "X-Padding: " + std::string(9000, 'a') + "\r\n";
  const HttpResult result = HttpExchange(f.port(), "GET /hello HTTP/1.1\r\n" + big_header + "\r\n");
  CHECK(result.status == 431);
  CHECK(result.ended);
}

TEST_CASE("HttpServer: a head just under the limit is served") {
  Fixture f;
  std::string head = "GET /hello HTTP/1.1\r\nX-Padding: ";
  head += std::string(8192 - head.size() - 4, 'a');
  head += "\r\n\r\n";
  REQUIRE(head.size() == 8192);
  CHECK(HttpExchange(f.port(), head).status == 200);
}

TEST_CASE("HttpServer: malformed heads get 400 and other HTTP versions 505") {
  Fixture f;
  CHECK(HttpExchange(f.port(), "GET\r\n\r\n").status == 400);
  CHECK(HttpExchange(f.port(), "GET hello HTTP/1.1\r\n\r\n").status == 400);
  CHECK(HttpExchange(f.port(), "GET /hello HTTP/1.1\r\nno colon here\r\n\r\n").status == 400);
  CHECK(HttpExchange(f.port(), "GET /hello HTTP/1.1\r\n folded: x\r\n\r\n").status == 400);
  CHECK(HttpExchange(f.port(), "GET /hello HTTP/2.0\r\n\r\n").status == 505);
  // Bare LF line ends and HTTP/1.0 are accepted.
  CHECK(HttpExchange(f.port(), "GET /hello HTTP/1.0\n\n").status == 200);
}

TEST_CASE("HttpServer: a head arriving a byte at a time is parsed") {
  Fixture f;
  HttpTestClient client(f.port());
  REQUIRE(client.connect_errno() == 0);
  const std::string request = "GET /hello?slow HTTP/1.1\r\nHost: x\r\n\r\n";
  for (char c : request) {
    REQUIRE(client.Send(std::string_view(&c, 1)));
    std::this_thread::sleep_for(1ms);
  }
  const HttpResult result = client.ReadResponse();
  CHECK(result.status == 200);
  CHECK(result.body == "hello slow\n");
}

TEST_CASE("HttpServer: a head not complete within the timeout gets 408 and a close") {
  HttpServer::Options options;
  options.timeout = 200ms;
  Fixture f(options);
  HttpTestClient client(f.port());
  REQUIRE(client.connect_errno() == 0);
  REQUIRE(client.Send("GET /hello HTTP/1.1\r\n"));
  const auto start = std::chrono::steady_clock::now();
  const HttpResult result = client.ReadResponse();
  CHECK(result.status == 408);
  CHECK(result.ended);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("HttpServer: a handler may answer later") {
  Fixture f;
  f.Run([&f] {
    f.server().Route("/later", [&f](const HttpRequest&, HttpServer::Reply reply) {
      f.pending() = std::move(reply);
    });
  });
  HttpTestClient client(f.port());
  REQUIRE(client.connect_errno() == 0);
  REQUIRE(client.Send("GET /later HTTP/1.1\r\n\r\n"));
  // Wait until the handler ran, then answer from a later task.
  for (int i = 0; i < 3000 && !f.Run([&f] { return f.pending().has_value(); }); ++i) std::this_thread::sleep_for(1ms);
  f.Run([&f] {
    REQUIRE(f.pending().has_value());
    std::move (*f.pending())(HttpResponse::Text(503, "not yet\n"));
    f.pending().reset();
  });
  const HttpResult result = client.ReadResponse();
  CHECK(result.status == 503);
  CHECK(result.body == "not yet\n");
}

TEST_CASE("HttpServer: closing the server drops pending replies and refuses new connections") {
  Fixture f;
  f.Run([&f] {
    f.server().Route("/never", [&f](const HttpRequest&, HttpServer::Reply reply) {
      f.pending() = std::move(reply);
    });
  });
  HttpTestClient client(f.port());
  REQUIRE(client.connect_errno() == 0);
  REQUIRE(client.Send("GET /never HTTP/1.1\r\n\r\n"));
  for (int i = 0; i < 3000 && !f.Run([&f] { return f.pending().has_value(); }); ++i) std::this_thread::sleep_for(1ms);
  const uint16_t port = f.port();
  f.ResetServer();
  const HttpResult result = client.ReadResponse();
  CHECK(result.ended);
  CHECK(result.raw.empty());
  // The late reply goes nowhere, harmlessly.
  f.Run([&f] {
    REQUIRE(f.pending().has_value());
    std::move (*f.pending())(HttpResponse::Text(200, "too late\n"));
  });
  CHECK(HttpTestClient(port).connect_errno() == ECONNREFUSED);
}

TEST_CASE("HttpServer: a second server on a port in use fails naming the address") {
  Fixture f;
  const uint16_t port = f.port();
  auto second = f.Run([&f, port] { return HttpServer::Listen(f.shard(), "127.0.0.1", port).status(); });
  CHECK(absl::IsFailedPrecondition(second));
  CHECK(second.message().find(absl::StrCat("127.0.0.1:", port)) != std::string::npos);
  auto bad_host = f.Run([&f] { return HttpServer::Listen(f.shard(), "example.com", 0).status(); });
  CHECK(absl::IsInvalidArgument(bad_host));
}

TEST_CASE("HttpServer: connections over the limit are closed at once") {
  HttpServer::Options options;
  options.max_connections = 1;
  Fixture f(options);
  HttpTestClient first(f.port());
  REQUIRE(first.connect_errno() == 0);
  REQUIRE(first.Send("GET /hello HTTP/1.1\r\n"));  // holds its slot: head incomplete
  std::this_thread::sleep_for(50ms);
  const HttpResult second = HttpGet(f.port(), "/hello");
  CHECK(second.ended);
  CHECK(second.status == 0);
  REQUIRE(first.Send("\r\n"));
  CHECK(first.ReadResponse().status == 200);
  // The slot frees once the first connection is fully closed.
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = HttpGet(f.port(), "/hello").status;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  CHECK(status == 200);
}

}  // namespace
}  // namespace cairn::io
