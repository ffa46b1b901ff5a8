// Shared by the TCP tests (connection_test.cc, tcp_listener_test.cc): a
// Shard-hosted Server recording what its connections see, a blocking POSIX
// Client, frame builders, and files with and without a kernel descriptor.
// Every wait is on a condition with a generous deadline.
#pragma once

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

#include "io/testing/run_on_shard.h"

namespace cairn::io::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 30s;  // generous: sanitizers, one core, loaded CI

inline Buffer Pattern(size_t size, uint32_t seed) {
  Buffer out(size);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<uint8_t>(x >> 24);
  }
  return out;
}

inline Buffer Header(int32_t size) {
  Buffer out(4);
  StoreBigEndian(out.data(), size);
  return out;
}

inline Buffer Frame(const Buffer& payload) {
  Buffer out = Header(static_cast<int32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Polls `condition` (which may itself block briefly) until it holds.
inline bool Eventually(const std::function<bool()>& condition) {
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
  using FrameHook = std::function<void(Server&, size_t, ByteSpan)>;

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
    return RunOnShard(*shard_, std::move(task), std::chrono::duration_cast<std::chrono::seconds>(kDeadline));
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
    void OnFrame(ReadBuffer frame) override {
      CAIRN_CHECK(Shard::Current() == server_.shard_.get());
      {
        std::lock_guard lock(server_.mu_);
        server_.records_[index_].frames.emplace_back(frame.begin(), frame.end());
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

inline void Echo(Server& server, size_t i, ByteSpan frame) {
  if (Connection* c = server.connection(i)) c->Send(Buffer(frame.begin(), frame.end()));
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

inline Buffer Slice(const Buffer& bytes, size_t offset, size_t length) {
  return Buffer(bytes.begin() + static_cast<ptrdiff_t>(offset),
                bytes.begin() + static_cast<ptrdiff_t>(offset + length));
}

// ------------------------------------------------------------------ framing

}  // namespace cairn::io::testing
