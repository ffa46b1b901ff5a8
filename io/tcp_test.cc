// Tests for TcpListener and Connection on real loopback sockets: a Shard runs
// the server side, the test thread is a blocking POSIX client. Framing, bad
// frame sizes, backpressure, timeouts, zero-copy file sends, lifetime, and
// SO_REUSEPORT. Every wait is on a condition with a generous deadline.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "io/connection.h"
#include "io/posix_file_system.h"
#include "io/shard.h"
#include "io/tcp_listener.h"

namespace cairn::io {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 30s;  // generous: sanitizers, one core, loaded CI

Buffer Pattern(size_t size, uint32_t seed) {
  Buffer out(size);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<uint8_t>(x >> 24);
  }
  return out;
}

Buffer Header(int32_t size) {
  Buffer out(4);
  StoreBigEndian(out.data(), size);
  return out;
}

Buffer Frame(const Buffer& payload) {
  Buffer out = Header(static_cast<int32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Polls `condition` (which may itself block briefly) until it holds.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = Clock::now() + kDeadline;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

// ------------------------------------------------------------------ client

// A blocking client socket on 127.0.0.1. Reads time out after kDeadline, so a
// broken server fails the test instead of hanging it.
class Client {
 public:
  // Buffer sizes of 0 keep the kernel defaults; small ones make pushback
  // (EAGAIN, responses piling up on the server) arrive quickly.
  explicit Client(uint16_t port, int receive_buffer = 0, int send_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CAIRN_CHECK(fd_ >= 0) << strerror(errno);
    if (receive_buffer > 0) SetOption(SOL_SOCKET, SO_RCVBUF, receive_buffer);
    if (send_buffer > 0) SetOption(SOL_SOCKET, SO_SNDBUF, send_buffer);
    SetOption(IPPROTO_TCP, TCP_NODELAY, 1);
    timeval timeout{};
    timeout.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kDeadline).count();
    CAIRN_CHECK(setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) == 0);
    CAIRN_CHECK(setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) == 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_errno_ = Connect(address);
    connected_ = connect_errno_ == 0;
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  int connect_errno() const { return connect_errno_; }
  int fd() const { return fd_; }
  void Close() {
    close(fd_);
    fd_ = -1;
  }

  void Write(ByteSpan bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      CAIRN_CHECK(n > 0) << "send: " << strerror(errno);
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
  }
  void Write(const Buffer& bytes) { Write(ByteSpan(bytes)); }

  // Exactly `size` bytes; fewer only if the stream ended or failed.
  Buffer Read(size_t size) {
    Buffer out(size);
    size_t got = 0;
    while (got < size) {
      const ssize_t n = recv(fd_, out.data() + got, size - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
  }

  Buffer ReadFrame() {
    const Buffer header = Read(4);
    if (header.size() < 4) return Buffer();
    return Read(static_cast<size_t>(LoadBigEndian<int32_t>(header.data())));
  }

  // True if the server ended the stream: EOF, or a reset when the server
  // closed with our bytes still unread in its receive buffer.
  bool SeesEnd() {
    const auto [bytes, ended] = ReadToEnd();
    return bytes.empty() && ended;
  }

  // Everything until the server ends the stream, and whether it did (rather
  // than the read timing out). A reset may drop bytes not read yet.
  std::pair<Buffer, bool> ReadToEnd() {
    Buffer out;
    uint8_t chunk[4096];
    for (;;) {
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        out.insert(out.end(), chunk, chunk + n);
        continue;
      }
      return {std::move(out), n == 0 || errno == ECONNRESET};
    }
  }

  std::string local() const {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    CAIRN_CHECK(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    return absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  }

 private:
  // 0 or the errno of the failed connect.
  int Connect(const sockaddr_in& address) {
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) return 0;
    // With SO_SNDTIMEO set, a signal (or io_uring task work aimed at this
    // thread) makes connect fail with EINTR while the handshake goes on.
    if (errno != EINTR) return errno;
    pollfd poll_fd{fd_, POLLOUT, 0};
    int ready;
    do {
      ready = poll(&poll_fd, 1, static_cast<int>(std::chrono::milliseconds(kDeadline).count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return ETIMEDOUT;
    int error = 0;
    socklen_t length = sizeof(error);
    CAIRN_CHECK(getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) == 0);
    return error;
  }

  void SetOption(int level, int name, int value) {
    CAIRN_CHECK(setsockopt(fd_, level, name, &value, sizeof(value)) == 0) << strerror(errno);
  }

  int fd_ = -1;
  bool connected_ = false;
  int connect_errno_ = 0;
};

// ------------------------------------------------------------------ server

// What the handler of one accepted connection saw.
struct Record {
  std::vector<Buffer> frames;
  std::vector<absl::Status> closes;
  size_t drained = 0;  // OnDrained calls
};

// A shard with a listener on 127.0.0.1:0. Each accepted connection is started
// with a recording handler, which then runs `on_frame` (on the shard).
class Server {
 public:
  // (server, connection index, frame): runs on the shard after recording.
  using FrameHook = std::function<void(Server&, size_t, const Buffer&)>;

  explicit Server(Connection::Limits limits = {}, FrameHook on_frame = nullptr, uint16_t port = 0)
      : limits_(limits), on_frame_(std::move(on_frame)) {
    auto shard = Shard::Create(0);
    CAIRN_CHECK(shard.ok()) << shard.status();
    shard_ = *std::move(shard);
    shard_->Start(-1);
    const absl::Status listening = Run([this, port] {
      auto listener = TcpListener::Listen(*shard_, "127.0.0.1", port,
                                          [this](std::unique_ptr<Connection> c) { Accept(std::move(c)); });
      if (!listener.ok()) return listener.status();
      listener_ = *std::move(listener);
      port_ = listener_->port();
      return absl::OkStatus();
    });
    CAIRN_CHECK(listening.ok()) << listening;
  }

  ~Server() {
    Run([this] {
      connections_.clear();  // before their handlers
      handlers_.clear();
      listener_.reset();
    });
    shard_->Stop();
  }

  uint16_t port() const { return port_; }
  Shard& shard() { return *shard_; }
  TcpListener& listener() { return *listener_; }

  // Runs `task` on the shard and returns its result.
  template <typename F>
  auto Run(F task) -> std::invoke_result_t<F&> {
    using Result = std::invoke_result_t<F&>;
    std::promise<Result> done;
    auto future = done.get_future();
    shard_->Post([&task, &done] {
      if constexpr (std::is_void_v<Result>) {
        task();
        done.set_value();
      } else {
        done.set_value(task());
      }
    });
    CAIRN_CHECK(future.wait_for(kDeadline) == std::future_status::ready) << "shard stuck";
    return future.get();
  }

  // Shard thread only. nullptr once the test destroyed it.
  Connection* connection(size_t i) { return connections_.at(i).get(); }
  void DestroyConnection(size_t i) { connections_.at(i).reset(); }

  // Waits until `condition` holds for the records (connection i's record is
  // records[i]); false on timeout.
  bool WaitUntil(const std::function<bool(const std::vector<Record>&)>& condition) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kDeadline, [&] { return condition(records_); });
  }
  bool WaitForClose(size_t i) {
    return WaitUntil([i](const auto& r) { return r.size() > i && !r[i].closes.empty(); });
  }
  // A copy of connection i's record once it was accepted.
  Record Snapshot(size_t i) {
    CAIRN_CHECK(WaitUntil([i](const auto& r) { return r.size() > i; }));
    std::lock_guard lock(mu_);
    return records_[i];
  }
  size_t accepted() {
    std::lock_guard lock(mu_);
    return records_.size();
  }
  size_t FrameCount(size_t i) {
    std::lock_guard lock(mu_);
    return records_.size() > i ? records_[i].frames.size() : 0;
  }

 private:
  class Handler final : public Connection::Handler {
   public:
    Handler(Server& server, size_t index) : server_(server), index_(index) {}
    void OnFrame(Buffer frame) override {
      CAIRN_CHECK(Shard::Current() == server_.shard_.get());
      {
        std::lock_guard lock(server_.mu_);
        server_.records_[index_].frames.push_back(frame);
      }
      server_.changed_.notify_all();
      if (server_.on_frame_) server_.on_frame_(server_, index_, frame);
    }
    void OnClose(absl::Status reason) override {
      CAIRN_CHECK(Shard::Current() == server_.shard_.get());
      {
        std::lock_guard lock(server_.mu_);
        server_.records_[index_].closes.push_back(std::move(reason));
      }
      server_.changed_.notify_all();
    }
    void OnDrained() override {
      CAIRN_CHECK(Shard::Current() == server_.shard_.get());
      {
        std::lock_guard lock(server_.mu_);
        ++server_.records_[index_].drained;
      }
      server_.changed_.notify_all();
    }

   private:
    Server& server_;
    const size_t index_;
  };

  void Accept(std::unique_ptr<Connection> connection) {
    CAIRN_CHECK(Shard::Current() == shard_.get());
    const size_t index = connections_.size();
    {
      std::lock_guard lock(mu_);
      records_.emplace_back();
    }
    handlers_.push_back(std::make_unique<Handler>(*this, index));
    connection->Start(handlers_.back().get(), limits_);
    connections_.push_back(std::move(connection));
    changed_.notify_all();
  }

  const Connection::Limits limits_;
  const FrameHook on_frame_;
  std::unique_ptr<Shard> shard_;
  uint16_t port_ = 0;
  // Shard thread only.
  std::unique_ptr<TcpListener> listener_;
  std::vector<std::unique_ptr<Handler>> handlers_;
  std::vector<std::unique_ptr<Connection>> connections_;
  // Shared with the test thread.
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Record> records_;
};

void Echo(Server& server, size_t i, const Buffer& frame) {
  if (Connection* c = server.connection(i)) c->Send(frame);
}

// A file without a kernel descriptor, like the simulated disk's.
class MemoryFile final : public File {
 public:
  explicit MemoryFile(Buffer contents) : contents_(std::move(contents)) {}
  void WriteAt(uint64_t, ByteSpan, StatusCallback done) override {
    std::move(done)(absl::UnimplementedError("MemoryFile"));
  }
  void ReadAt(uint64_t, MutableByteSpan, ReadCallback done) override {
    std::move(done)(absl::UnimplementedError("MemoryFile"));
  }
  void Sync(StatusCallback done) override { std::move(done)(absl::UnimplementedError("MemoryFile")); }
  absl::StatusOr<size_t> Read(uint64_t position, MutableByteSpan out) override {
    if (position >= contents_.size()) return 0;
    const size_t n = std::min<size_t>(out.size(), contents_.size() - position);
    std::copy_n(contents_.begin() + static_cast<ptrdiff_t>(position), n, out.begin());
    return n;
  }
  absl::Status Write(uint64_t, ByteSpan) override { return absl::UnimplementedError("MemoryFile"); }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Truncate(uint64_t) override { return absl::UnimplementedError("MemoryFile"); }
  absl::StatusOr<uint64_t> Size() override { return contents_.size(); }
  const std::string& path() const override { return path_; }

 private:
  Buffer contents_;
  std::string path_ = "memory-file";
};

// A real file holding `contents`, opened through PosixFileSystem; removed at
// scope exit.
struct RealFile {
  explicit RealFile(const Buffer& contents) {
    char name[] = "/tmp/cairn-tcp-test-XXXXXX";
    const int fd = mkstemp(name);
    CAIRN_CHECK(fd >= 0) << strerror(errno);
    path = name;
    CAIRN_CHECK(write(fd, contents.data(), contents.size()) ==
                static_cast<ssize_t>(contents.size()));
    close(fd);
    PosixFileSystem fs(nullptr);
    auto opened = fs.Open(path, OpenMode::kReadOnly);
    CAIRN_CHECK(opened.ok()) << opened.status();
    file = std::shared_ptr<File>(*std::move(opened));
  }
  ~RealFile() { unlink(path.c_str()); }
  std::string path;
  std::shared_ptr<File> file;
};

Buffer Slice(const Buffer& bytes, size_t offset, size_t length) {
  return Buffer(bytes.begin() + static_cast<ptrdiff_t>(offset),
                bytes.begin() + static_cast<ptrdiff_t>(offset + length));
}

// ------------------------------------------------------------------ framing

TEST_CASE("Connection: frames of 1 byte, 64 KiB + 1 and 5 MiB round-trip through an echo handler") {
  Server server({}, Echo);
  Client client(server.port());
  REQUIRE(client.connected());
  uint32_t seed = 0;
  for (const size_t size : {size_t{1}, size_t{(64 << 10) + 1}, size_t{5 << 20}, size_t{1}}) {
    CAPTURE(size);
    const Buffer payload = Pattern(size, ++seed);
    client.Write(Frame(payload));
    CHECK(client.ReadFrame() == payload);
  }
  const Record record = server.Snapshot(0);
  CHECK(record.frames.size() == 4);
  CHECK(record.closes.empty());
}

TEST_CASE("Connection: 1000 small frames written in one send are delivered in order") {
  Server server;
  Client client(server.port());
  REQUIRE(client.connected());
  Buffer stream;
  for (uint32_t i = 0; i < 1000; ++i) {
    const Buffer frame = Frame(Pattern(1 + i % 50, i));
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  client.Write(stream);
  REQUIRE(server.WaitUntil([](const auto& r) { return !r.empty() && r[0].frames.size() == 1000; }));
  const Record record = server.Snapshot(0);
  for (uint32_t i = 0; i < 1000; ++i) {
    REQUIRE(record.frames[i] == Pattern(1 + i % 50, i));
  }
}

TEST_CASE("Connection: a frame written one byte at a time is reassembled") {
  Server server({}, Echo);
  Client client(server.port());
  REQUIRE(client.connected());
  const Buffer payload = Pattern(100, 7);
  for (const uint8_t byte : Frame(payload)) client.Write(ByteSpan(&byte, 1));
  CHECK(client.ReadFrame() == payload);
  const Record record = server.Snapshot(0);
  REQUIRE(record.frames.size() == 1);
  CHECK(record.frames[0] == payload);
}

// Sends a frame header of `size` and expects the server to close with
// InvalidArgument naming the size and the limit, without a frame delivered.
void ExpectRejectedFrameSize(int32_t size) {
  Connection::Limits limits;
  limits.max_frame_bytes = 1024;
  Server server(limits);
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Header(size));
  REQUIRE(server.WaitForClose(0));
  const Record record = server.Snapshot(0);
  CHECK(record.frames.empty());
  REQUIRE(record.closes.size() == 1);
  const absl::Status& reason = record.closes[0];
  CHECK(reason.code() == absl::StatusCode::kInvalidArgument);
  const std::string message(reason.message());
  CHECK(message.find(absl::StrCat("frame size ", size)) != std::string::npos);
  CHECK(message.find("1024") != std::string::npos);
  CHECK(client.SeesEnd());
}

TEST_CASE("Connection: a negative frame size closes the connection with InvalidArgument") {
  ExpectRejectedFrameSize(-1);
  ExpectRejectedFrameSize(INT32_MIN);
}

TEST_CASE("Connection: a zero frame size closes the connection with InvalidArgument") {
  ExpectRejectedFrameSize(0);
}

TEST_CASE("Connection: a frame size over the limit closes the connection with InvalidArgument") {
  ExpectRejectedFrameSize(1025);
  ExpectRejectedFrameSize(INT32_MAX);
}

TEST_CASE("Connection: a frame of exactly the size limit is accepted") {
  Connection::Limits limits;
  limits.max_frame_bytes = 1024;
  Server server(limits, Echo);
  Client client(server.port());
  REQUIRE(client.connected());
  const Buffer payload = Pattern(1024, 3);
  client.Write(Frame(payload));
  CHECK(client.ReadFrame() == payload);
}

// ------------------------------------------------------------------ backpressure

TEST_CASE("Connection: while paused no frame is delivered and the client is pushed back; after "
          "resume every frame arrives once and in order") {
  Server server;
  Client client(server.port(), /*receive_buffer=*/0, /*send_buffer=*/64 << 10);
  REQUIRE(client.connected());
  server.Snapshot(0);  // accepted and started
  server.Run([&] { server.connection(0)->PauseReading(); });

  constexpr uint32_t kFrames = 8000;  // 8 MB: far more than the socket buffers hold
  Buffer stream;
  for (uint32_t i = 0; i < kFrames; ++i) {
    Buffer payload = Pattern(1000, i);
    StoreBigEndian(payload.data(), i);
    const Buffer frame = Frame(payload);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  size_t written = 0;
  bool pushed_back = false;
  while (written < stream.size()) {
    const ssize_t n = send(client.fd(), stream.data() + written, stream.size() - written,
                           MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n < 0);
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pushed_back = true;
      break;
    }
    FAIL("send: " << strerror(errno));
  }
  REQUIRE(pushed_back);
  // Whatever the shard had in flight has landed by the time this runs.
  CHECK(server.Run([&] { return server.connection(0)->reading_paused(); }));
  CHECK(server.FrameCount(0) == 0);

  server.Run([&] { server.connection(0)->ResumeReading(); });
  client.Write(ByteSpan(stream).subspan(written));
  REQUIRE(server.WaitUntil([](const auto& r) { return r[0].frames.size() >= kFrames; }));
  const Record record = server.Snapshot(0);
  REQUIRE(record.frames.size() == kFrames);
  for (uint32_t i = 0; i < kFrames; ++i) {
    REQUIRE(LoadBigEndian<uint32_t>(record.frames[i].data()) == i);
  }
  CHECK(record.closes.empty());
}

TEST_CASE("Connection: PauseReading inside OnFrame stops delivery at once and ResumeReading "
          "delivers the queued frames in order") {
  Server server({}, [](Server& s, size_t i, const Buffer& frame) {
    if (frame[0] == 9) s.connection(i)->PauseReading();
  });
  Client client(server.port());
  REQUIRE(client.connected());
  Buffer stream;
  for (uint8_t i = 0; i < 100; ++i) {
    const Buffer frame = Frame(Buffer{i});
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  // However the shard's reads split these, none is issued while paused.
  client.Write(stream);
  REQUIRE(server.WaitUntil([](const auto& r) { return !r.empty() && r[0].frames.size() >= 10; }));
  server.Run([] {});  // anything the loop had queued has run
  CHECK(server.FrameCount(0) == 10);
  CHECK(server.Run([&] { return server.connection(0)->reading_paused(); }));
  server.Run([&] { server.connection(0)->ResumeReading(); });
  REQUIRE(server.WaitUntil([](const auto& r) { return r[0].frames.size() >= 100; }));
  const Record record = server.Snapshot(0);
  REQUIRE(record.frames.size() == 100);
  for (uint8_t i = 0; i < 100; ++i) CHECK(record.frames[i] == Buffer{i});
}

TEST_CASE("Connection: queued_bytes grows while the client does not read and drains when it does") {
  constexpr size_t kResponseBytes = 1 << 20;
  constexpr uint32_t kRequests = 16;
  Server server({}, [](Server& s, size_t i, const Buffer& frame) {
    s.connection(i)->Send(Pattern(kResponseBytes, LoadBigEndian<uint32_t>(frame.data())));
  });
  // A small receive buffer: the kernel holds little of what the client leaves unread.
  Client client(server.port(), /*receive_buffer=*/64 << 10);
  REQUIRE(client.connected());
  Buffer requests;
  for (uint32_t i = 0; i < kRequests; ++i) {
    const Buffer frame = Frame(Header(static_cast<int32_t>(i)));
    requests.insert(requests.end(), frame.begin(), frame.end());
  }
  client.Write(requests);
  REQUIRE(server.WaitUntil([](const auto& r) { return !r.empty() && r[0].frames.size() == kRequests; }));
  const size_t queued = server.Run([&] { return server.connection(0)->queued_bytes(); });
  // 16 MiB answered; the server's send buffer (at most net.ipv4.tcp_wmem's
  // 4 MiB by default) and the client's small receive buffer hold the rest.
  CHECK(queued > size_t{8} << 20);
  CHECK(queued <= kRequests * (kResponseBytes + 4));

  for (uint32_t i = 0; i < kRequests; ++i) {
    REQUIRE(client.ReadFrame() == Pattern(kResponseBytes, i));
  }
  CHECK(Eventually([&] { return server.Run([&] { return server.connection(0)->queued_bytes(); }) == 0; }));
}

TEST_CASE("Connection: OnDrained comes once the client reads the queue down to the low-water mark") {
  constexpr size_t kResponseBytes = 1 << 20;
  constexpr uint32_t kRequests = 16;
  Server server({}, [](Server& s, size_t i, const Buffer& frame) {
    s.connection(i)->Send(Pattern(kResponseBytes, LoadBigEndian<uint32_t>(frame.data())));
  });
  Client client(server.port(), /*receive_buffer=*/64 << 10);
  REQUIRE(client.connected());
  Buffer requests;
  for (uint32_t i = 0; i < kRequests; ++i) {
    const Buffer frame = Frame(Header(static_cast<int32_t>(i)));
    requests.insert(requests.end(), frame.begin(), frame.end());
  }
  client.Write(requests);
  REQUIRE(server.WaitUntil([](const auto& r) { return !r.empty() && r[0].frames.size() == kRequests; }));
  constexpr size_t kLowWater = 2 << 20;
  const size_t queued = server.Run([&] {
    server.connection(0)->NotifyWhenDrained(kLowWater);
    return server.connection(0)->queued_bytes();
  });
  REQUIRE(queued > kLowWater);
  std::this_thread::sleep_for(100ms);
  CHECK(server.Snapshot(0).drained == 0);  // nobody reads yet
  for (uint32_t i = 0; i < kRequests; ++i) {
    REQUIRE(client.ReadFrame() == Pattern(kResponseBytes, i));
  }
  CHECK(server.WaitUntil([](const auto& r) { return r[0].drained == 1; }));
  // Armed while already drained: the call comes on the next turn, once.
  server.Run([&] { server.connection(0)->NotifyWhenDrained(0); });
  CHECK(server.WaitUntil([](const auto& r) { return r[0].drained == 2; }));
  std::this_thread::sleep_for(50ms);
  CHECK(server.Snapshot(0).drained == 2);
}

// ------------------------------------------------------------------ timeouts

TEST_CASE("Connection: a frame header with no body is closed after the frame timeout (slowloris)") {
  Connection::Limits limits;
  limits.frame_timeout = 200ms;
  Server server(limits);
  Client client(server.port());
  REQUIRE(client.connected());
  const auto sent_at = Clock::now();
  Buffer partial = Header(100);
  partial.resize(4 + 10);  // 10 of the 100 body bytes
  client.Write(partial);
  REQUIRE(server.WaitForClose(0));
  CHECK(Clock::now() - sent_at >= 200ms);
  const Record record = server.Snapshot(0);
  REQUIRE(record.closes.size() == 1);
  CHECK(record.closes[0].code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(record.frames.empty());
  CHECK(client.SeesEnd());
}

TEST_CASE("Connection: a connection with no traffic is closed after the idle timeout") {
  Connection::Limits limits;
  limits.idle_timeout = 300ms;
  Server server(limits);
  const auto connected_at = Clock::now();
  Client client(server.port());
  REQUIRE(client.connected());
  REQUIRE(server.WaitForClose(0));
  CHECK(Clock::now() - connected_at >= 300ms);
  const Record record = server.Snapshot(0);
  REQUIRE(record.closes.size() == 1);
  CHECK(record.closes[0].code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(client.SeesEnd());
}

TEST_CASE("Connection: frames arriving more often than the idle timeout keep the connection open") {
  Connection::Limits limits;
  limits.idle_timeout = 1000ms;
  Server server(limits);
  Client client(server.port());
  REQUIRE(client.connected());
  const auto start = Clock::now();
  uint8_t sent = 0;
  while (Clock::now() - start < 2500ms) {  // well past the idle timeout
    client.Write(Frame(Buffer{sent++}));
    std::this_thread::sleep_for(50ms);  // pacing only; nothing depends on its accuracy
  }
  REQUIRE(server.WaitUntil([&](const auto& r) { return r[0].frames.size() == static_cast<size_t>(sent); }));
  CHECK(server.Snapshot(0).closes.empty());
  // Silence now: the idle timeout closes it.
  REQUIRE(server.WaitForClose(0));
  CHECK(server.Snapshot(0).closes[0].code() == absl::StatusCode::kDeadlineExceeded);
}

// ------------------------------------------------------------------ file ranges

TEST_CASE("Connection: SendWithFileRanges sends a prefix and exact file ranges, in order with "
          "plain sends") {
  const Buffer contents = Pattern(9 << 20, 42);
  RealFile real(contents);
  const auto memory = std::make_shared<MemoryFile>(Pattern(1000, 43));
  Server server({}, [&](Server& s, size_t i, const Buffer&) {
    Connection& c = *s.connection(i);
    c.Send(Buffer{'a'});
    // Big enough to fill the socket: the sendfile path waits for writability.
    c.SendWithFileRanges(Buffer{'p', 'r', 'e'}, {{real.file, 12345, 8 << 20}, {real.file, 0, 10}});
    c.SendWithFileRanges(Buffer{}, {{memory, 990, 10}, {real.file, 7, 3}, {memory, 0, 5}});
    c.SendWithFileRanges(Buffer{'z'}, {});
    c.Send(Buffer{'b'});
  });
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));

  CHECK(client.ReadFrame() == Buffer{'a'});
  Buffer expected{'p', 'r', 'e'};
  const Buffer range1 = Slice(contents, 12345, 8 << 20);
  const Buffer range2 = Slice(contents, 0, 10);
  expected.insert(expected.end(), range1.begin(), range1.end());
  expected.insert(expected.end(), range2.begin(), range2.end());
  const Buffer big = client.ReadFrame();
  REQUIRE(big.size() == expected.size());
  CHECK(big == expected);  // byte by byte

  const Buffer memory_bytes = Pattern(1000, 43);
  Buffer mixed = Slice(memory_bytes, 990, 10);
  const Buffer middle = Slice(contents, 7, 3);
  mixed.insert(mixed.end(), middle.begin(), middle.end());
  mixed.insert(mixed.end(), memory_bytes.begin(), memory_bytes.begin() + 5);
  CHECK(client.ReadFrame() == mixed);
  CHECK(client.ReadFrame() == Buffer{'z'});
  CHECK(client.ReadFrame() == Buffer{'b'});
  CHECK(server.Run([&] { return server.connection(0)->queued_bytes(); }) == 0);
  CHECK(server.Snapshot(0).closes.empty());
}

// The server answers a request with a range reaching past the end of `file`.
void ExpectShortFileClosesWithDataLoss(std::shared_ptr<File> file, uint64_t file_size) {
  Server server({}, [&](Server& s, size_t i, const Buffer&) {
    s.connection(i)->SendWithFileRanges(Buffer{'p'}, {{file, file_size - 10, 11}});
  });
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));
  REQUIRE(server.WaitForClose(0));
  const Record record = server.Snapshot(0);
  REQUIRE(record.closes.size() == 1);
  CHECK(record.closes[0].code() == absl::StatusCode::kDataLoss);
  CHECK(client.Read(1).empty());  // not a byte of the frame went out
}

TEST_CASE("Connection: SendWithFileRanges past the end of a real file closes with DataLoss") {
  RealFile real(Pattern(4096, 5));
  ExpectShortFileClosesWithDataLoss(real.file, 4096);
}

TEST_CASE("Connection: SendWithFileRanges past the end of a file without descriptor closes with "
          "DataLoss") {
  ExpectShortFileClosesWithDataLoss(std::make_shared<MemoryFile>(Pattern(4096, 5)), 4096);
}

// ------------------------------------------------------------------ closing and lifetime

TEST_CASE("Connection: Close inside OnFrame is safe and OnClose runs exactly once with OK") {
  Server server({}, [](Server& s, size_t i, const Buffer&) {
    Connection& c = *s.connection(i);
    c.Close();
    c.Close();
    c.Send(Buffer{'x'});  // ignored once closed
    CAIRN_CHECK(!c.is_open());
    CAIRN_CHECK(c.queued_bytes() == 0);
  });
  Client client(server.port());
  REQUIRE(client.connected());
  Buffer stream;
  for (uint8_t i = 0; i < 3; ++i) {
    const Buffer frame = Frame(Buffer{i});
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  client.Write(stream);
  REQUIRE(server.WaitForClose(0));
  server.Run([] {});  // a second OnClose, had one been posted, would have run by now
  server.Run([&] { server.connection(0)->Close(); });
  server.Run([] {});
  const Record record = server.Snapshot(0);
  CHECK(record.frames.size() == 1);
  REQUIRE(record.closes.size() == 1);
  CHECK(record.closes[0].ok());
  CHECK(client.SeesEnd());
}

TEST_CASE("Connection: destroying the Connection inside OnFrame closes the socket and calls the "
          "handler no more") {
  Server server({}, [](Server& s, size_t i, const Buffer&) {
    s.connection(i)->Send(Buffer{'x'});
    s.DestroyConnection(i);
  });
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));
  client.Write(Frame(Buffer{2}));
  // The reply may have gone out before the destruction (or been cut by it).
  const auto [received, ended] = client.ReadToEnd();
  CHECK(ended);
  const Buffer reply = Frame(Buffer{'x'});
  REQUIRE(received.size() <= reply.size());
  CHECK(std::equal(received.begin(), received.end(), reply.begin()));
  server.Run([] {});
  const Record record = server.Snapshot(0);
  CHECK(record.frames.size() == 1);
  CHECK(record.closes.empty());
}

TEST_CASE("Connection: the peer closing gives OnClose(Unavailable)") {
  Server server;
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));
  REQUIRE(server.WaitUntil([](const auto& r) { return !r.empty() && r[0].frames.size() == 1; }));
  client.Close();
  REQUIRE(server.WaitForClose(0));
  const Record record = server.Snapshot(0);
  REQUIRE(record.closes.size() == 1);
  CHECK(record.closes[0].code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("Connection: peer and local name both ends as ip:port") {
  Server server;
  Client client(server.port());
  REQUIRE(client.connected());
  server.Snapshot(0);
  const auto [peer, local] = server.Run([&] {
    return std::pair(server.connection(0)->peer(), server.connection(0)->local());
  });
  CHECK(peer == client.local());
  CHECK(local == absl::StrCat("127.0.0.1:", server.port()));
}

// ------------------------------------------------------------------ listener

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

// The sanitizers' runtime needs descriptors of its own (UBSan's vptr check
// probes memory through a pipe) and reports false errors at the lowered limit.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST_CASE("TcpListener: out of descriptors it backs off instead of spinning and accepts once "
          "descriptors are free again" * doctest::skip(kSanitized)) {
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
