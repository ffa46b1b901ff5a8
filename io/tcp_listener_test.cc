// TcpListener on real loopback sockets: SO_REUSEPORT across shards, running
// out of descriptors, address in use, bad hosts, Close.
#include <doctest/doctest.h>

#include "common/testing/sanitizers.h"
#include "io/testing/tcp_support.h"

namespace cairn::io {
namespace {

using namespace testing;  // NOLINT: test helpers
using namespace std::chrono_literals;

TEST_CASE("TcpListener: two listeners on one port on two shards both accept (SO_REUSEPORT)") {
  Server first;
  Server second({}, nullptr, first.port());
  CHECK(second.port() == first.port());
  // The kernel hashes each connection to one listener: with enough of them
  // both get some (all 400 on one side has probability 2^-399).
  size_t attempts = 0;
  while (attempts < 400 && (first.accepted() == 0 || second.accepted() == 0)) {
    Client client(first.port());
    REQUIRE(client.connected());
    ++attempts;
  }
  CHECK(Eventually([&] { return first.accepted() > 0 && second.accepted() > 0; }));
  CHECK(Eventually([&] { return first.accepted() + second.accepted() == attempts; }));
}

// Not under the sanitizers: their runtime needs descriptors of its own
// (UBSan's vptr check probes memory through a pipe) and reports false
// errors at the lowered limit.
TEST_CASE("TcpListener: out of descriptors it backs off instead of spinning and accepts once "
          "descriptors are free again" * doctest::skip(cairn::testing::kSanitized)) {
  Server server;
  // The client sockets exist before the limit drops; connecting needs no new
  // descriptor, accepting does.
  std::vector<int> sockets;
  for (int i = 0; i < 3; ++i) {
    sockets.push_back(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(sockets.back() >= 0);
  }
  rlimit original{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &original) == 0);
  const int lowest_free = dup(0);
  REQUIRE(lowest_free >= 0);
  close(lowest_free);
  rlimit lowered = original;
  lowered.rlim_cur = static_cast<rlim_t>(lowest_free);  // every new descriptor fails: EMFILE
  REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);

  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = Clock::now();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const int fd : sockets) {
    // The kernel completes the handshake into the accept queue.
    CHECK(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  std::this_thread::sleep_for(500ms);  // a window to measure CPU use in, not a synchronisation
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  const auto wall = Clock::now() - start;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &original) == 0);

  auto cpu = [](const rusage& u) {
    return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  // A shard retrying accept in a loop would burn about a core for the whole
  // window; backing off uses next to nothing.
  CHECK(cpu(after) - cpu(before) < wall / 2);
  CHECK(server.accepted() == 0);
  CHECK(Eventually([&] { return server.accepted() == 3; }));
  for (const int fd : sockets) close(fd);
}

TEST_CASE("TcpListener: an address in use by a socket without SO_REUSEPORT gives an error naming "
          "host and port") {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(listen(fd, 16) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const uint16_t port = ntohs(address.sin_port);

  Server server;  // only for its shard
  const absl::Status status = server.Run([&] {
    return TcpListener::Listen(server.shard(), "127.0.0.1", port,
                               [](std::unique_ptr<Connection>) {})
        .status();
  });
  close(fd);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(status.message()).find(absl::StrCat("127.0.0.1:", port)) != std::string::npos);
  CHECK(std::string(status.message()).find("in use") != std::string::npos);
}

TEST_CASE("TcpListener: a host that is not a numeric address gives InvalidArgument naming it") {
  Server server;  // only for its shard
  const absl::Status status = server.Run([&] {
    return TcpListener::Listen(server.shard(), "no-such-host.invalid", 9092,
                               [](std::unique_ptr<Connection>) {})
        .status();
  });
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(status.message()).find("no-such-host.invalid:9092") != std::string::npos);
}

TEST_CASE("TcpListener: after Close no connection is accepted") {
  Server server;
  Client before(server.port());
  REQUIRE(before.connected());
  server.Snapshot(0);
  server.Run([&] {
    server.listener().Close();
    server.listener().Close();  // idempotent
  });
  Client after(server.port());
  CHECK(!after.connected());
  CHECK(after.connect_errno() == ECONNREFUSED);
  // The connection accepted before is unaffected.
  before.Write(Frame(Buffer{1}));
  CHECK(server.WaitUntil([](const auto& r) { return r[0].frames.size() == 1; }));
}

}  // namespace
}  // namespace cairn::io
