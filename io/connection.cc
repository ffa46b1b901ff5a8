// Connection over an asio::ip::tcp::socket (see connection.h). The state
// lives in a shared State that every in-flight completion holds, so a
// completion arriving after the Connection is gone finds `closed` set and
// returns without touching the handler.

#include "io/connection.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <limits>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/post.hpp"
#include "asio/steady_timer.hpp"
#include "common/check.h"
#include "common/logging.h"
#include "io/asio_status.h"
#include "io/shard.h"
#include "io/status_from_errno.h"

namespace cairn::io {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadBufferBytes = 64 << 10;
// A frame body still missing at least this much is read straight into the
// frame, skipping the copy out of the read buffer.
constexpr size_t kDirectReadMinBytes = 16 << 10;
constexpr size_t kMaxGatherBuffers = 64;  // Asio's limit per write
constexpr size_t kSendfileMaxCount = 1 << 30;
// sendfile bytes written in one turn of the loop before yielding to others.
constexpr uint64_t kSendfileBytesPerTurn = 4 << 20;
constexpr size_t kFrameHeaderBytes = 4;

int64_t Millis(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string EndpointString(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  if (address.is_v6()) return absl::StrCat("[", address.to_string(), "]:", endpoint.port());
  return absl::StrCat(address.to_string(), ":", endpoint.port());
}

// sendfile(2) has no MSG_NOSIGNAL: a peer gone mid-send would raise SIGPIPE
// and kill the process. A server ignores it and handles EPIPE instead.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

}  // namespace

struct Connection::State : std::enable_shared_from_this<State> {
  // One piece of the outgoing byte stream: a frame's size prefix, a memory
  // buffer, or a file range.
  struct Chunk {
    std::array<uint8_t, kFrameHeaderBytes> header{};
    bool is_header = false;
    Buffer bytes;
    const uint8_t* borrowed = nullptr;  // set: `size` bytes kept alive by `owner`
    std::shared_ptr<const void> owner;
    std::shared_ptr<const SendFile> file;  // set: a file range at `offset`
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t done = 0;  // bytes already written
    const uint8_t* data() const {
      if (is_header) return header.data();
      return borrowed != nullptr ? borrowed : bytes.data();
    }
  };

  State(Shard& owner, asio::ip::tcp::socket s, std::string peer_name, std::string local_name)
      : shard(owner),
        socket(std::move(s)),
        idle_timer(owner.io_context()),
        frame_timer(owner.io_context()),
        peer(std::move(peer_name)),
        local(std::move(local_name)) {}

  void CheckThread() const {
    CAIRN_DCHECK(Shard::Current() == &shard) << "connection " << peer << " used off its shard";
  }
  // Destruction may also happen off every shard once the shard has stopped.
  void CheckDestroyThread() const {
    CAIRN_DCHECK(Shard::Current() == &shard || Shard::Current() == nullptr)
        << "connection " << peer << " destroyed on another shard";
  }

  // --- reading ---
  void MaybeRead();
  void OnRead(bool direct, const asio::error_code& ec, size_t bytes);
  bool Parse();  // false: the connection failed
  void TrackPartialFrame();
  void DeliverFrames();
  void ArmFrameTimer(Clock::duration delay);
  void OnFrameTimer();
  void ArmIdleTimer(Clock::duration delay);
  void OnIdleTimer();

  // --- writing ---
  void Enqueue(Chunk chunk);
  void Pump();
  void StartGatherWrite();
  void Consume(uint64_t bytes);
  void OnWriteDone();  // common prologue of write completions
  void MaybeNotifyDrained();

  // --- closing ---
  void Fail(absl::Status reason);
  void PostClose();

  Shard& shard;
  asio::ip::tcp::socket socket;
  asio::steady_timer idle_timer;
  asio::steady_timer frame_timer;
  const std::string peer;
  const std::string local;

  Handler* handler = nullptr;  // nullptr once the Connection is gone or OnClose ran
  Limits limits;
  bool started = false;
  bool closed = false;
  bool paused = false;
  bool reading = false;     // a read is in flight
  bool writing = false;     // a write, writable-wait or yield is in flight
  bool delivering = false;  // inside the OnFrame loop
  bool close_reported = false;
  absl::Status close_reason;
  Clock::time_point last_activity = Clock::now();

  // Bytes in [read_begin, read_end) are unparsed; after Parse() they are at
  // most a partial frame header (body bytes are copied into `frame` at once).
  ReadBuffer read_buffer = ReadBuffer(kReadBufferBytes);
  size_t read_begin = 0;
  size_t read_end = 0;
  bool in_body = false;  // `frame` is sized from a parsed header
  ReadBuffer frame;  // not zero-filled: the socket fills every byte first
  size_t frame_filled = 0;
  std::deque<ReadBuffer> ready;  // complete frames not delivered yet
  uint64_t frames_completed = 0;
  // A frame has begun arriving and is not complete (the slowloris clock).
  bool partial = false;
  uint64_t partial_frame_number = 0;
  Clock::time_point partial_since;
  bool frame_timer_armed = false;
  bool idle_timer_armed = false;

  std::deque<Chunk> out;  // in write order; the front is being written
  size_t queued = 0;
  bool drain_armed = false;  // NotifyWhenDrained is waiting for queued <= drain_low_water
  size_t drain_low_water = 0;
};

// ----------------------------------------------------------------- reading

void Connection::State::MaybeRead() {
  if (closed || paused || reading || !started) return;
  reading = true;
  auto self = shared_from_this();
  const size_t body_missing = in_body ? frame.size() - frame_filled : 0;
  if (in_body && read_begin == read_end && body_missing >= kDirectReadMinBytes) {
    socket.async_read_some(asio::buffer(frame.data() + frame_filled, body_missing),
                           [self](const asio::error_code& ec, size_t bytes) {
                             self->OnRead(/*direct=*/true, ec, bytes);
                           });
    return;
  }
  // Keep the (< 4 byte) partial header at the front of the buffer.
  if (read_begin > 0) {
    std::copy(read_buffer.begin() + static_cast<ptrdiff_t>(read_begin),
              read_buffer.begin() + static_cast<ptrdiff_t>(read_end), read_buffer.begin());
    read_end -= read_begin;
    read_begin = 0;
  }
  CAIRN_DCHECK(read_end < kFrameHeaderBytes) << read_end;
  socket.async_read_some(
      asio::buffer(read_buffer.data() + read_end, read_buffer.size() - read_end),
      [self](const asio::error_code& ec, size_t bytes) {
        self->OnRead(/*direct=*/false, ec, bytes);
      });
}

void Connection::State::OnRead(bool direct, const asio::error_code& ec, size_t bytes) {
  reading = false;
  if (closed) return;
  if (ec) {
    Fail(AsioErrorToStatus(ec, absl::StrCat("read from ", peer)));
    return;
  }
  if (direct) {
    frame_filled += bytes;
    CAIRN_DCHECK(frame_filled <= frame.size());
    if (frame_filled == frame.size()) {
      ready.push_back(std::move(frame));
      frame = ReadBuffer();
      in_body = false;
      ++frames_completed;
      last_activity = Clock::now();
    }
  } else {
    read_end += bytes;
    if (!Parse()) return;
  }
  TrackPartialFrame();
  DeliverFrames();
}

bool Connection::State::Parse() {
  for (;;) {
    if (!in_body) {
      if (read_end - read_begin < kFrameHeaderBytes) return true;
      const int32_t size = LoadBigEndian<int32_t>(read_buffer.data() + read_begin);
      read_begin += kFrameHeaderBytes;
      if (size <= 0 || size > limits.max_frame_bytes) {
        Fail(absl::InvalidArgumentError(
            absl::StrCat("frame size ", size, " from ", peer, " is outside the allowed 1..",
                         limits.max_frame_bytes, " bytes")));
        return false;
      }
      frame = ReadBuffer(static_cast<size_t>(size));
      frame_filled = 0;
      in_body = true;
    }
    const size_t take = std::min(read_end - read_begin, frame.size() - frame_filled);
    std::copy_n(read_buffer.data() + read_begin, take, frame.data() + frame_filled);
    read_begin += take;
    frame_filled += take;
    if (frame_filled < frame.size()) return true;  // the buffer is drained
    ready.push_back(std::move(frame));
    frame = ReadBuffer();
    in_body = false;
    ++frames_completed;
    last_activity = Clock::now();
  }
}

void Connection::State::TrackPartialFrame() {
  const bool now_partial = in_body || read_end > read_begin;
  if (!now_partial) {
    partial = false;
    return;
  }
  if (partial && partial_frame_number == frames_completed) return;  // same frame as before
  partial = true;
  partial_frame_number = frames_completed;
  partial_since = Clock::now();
  ArmFrameTimer(limits.frame_timeout);
}

void Connection::State::DeliverFrames() {
  if (delivering) return;  // the loop below picks up what was queued
  auto self = shared_from_this();  // the handler may destroy the Connection
  delivering = true;
  while (!closed && !paused && handler != nullptr && !ready.empty()) {
    ReadBuffer next = std::move(ready.front());
    ready.pop_front();
    handler->OnFrame(std::move(next));
  }
  delivering = false;
  MaybeRead();
}

void Connection::State::ArmFrameTimer(Clock::duration delay) {
  if (frame_timer_armed || closed || limits.frame_timeout.count() <= 0) return;
  frame_timer_armed = true;
  frame_timer.expires_after(delay);
  frame_timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    self->frame_timer_armed = false;
    if (ec || self->closed) return;
    self->OnFrameTimer();
  });
}

void Connection::State::OnFrameTimer() {
  if (!partial || paused) return;  // ResumeReading re-arms it
  const Clock::duration elapsed = Clock::now() - partial_since;
  if (elapsed < limits.frame_timeout) {
    ArmFrameTimer(limits.frame_timeout - elapsed);
    return;
  }
  const size_t have = in_body ? frame_filled : read_end - read_begin;
  const std::string of = in_body ? absl::StrCat(" of a ", frame.size(), "-byte frame")
                                 : std::string(" of a frame header");
  Fail(absl::DeadlineExceededError(absl::StrCat("only ", have, " bytes", of, " from ", peer,
                                                " arrived within the frame timeout of ",
                                                limits.frame_timeout.count(), " ms")));
}

void Connection::State::ArmIdleTimer(Clock::duration delay) {
  if (idle_timer_armed || closed || limits.idle_timeout.count() <= 0) return;
  idle_timer_armed = true;
  idle_timer.expires_after(delay);
  idle_timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    self->idle_timer_armed = false;
    if (ec || self->closed) return;
    self->OnIdleTimer();
  });
}

void Connection::State::OnIdleTimer() {
  const Clock::time_point now = Clock::now();
  if (paused && queued == 0) last_activity = now;  // waiting on us, not on the client
  const Clock::time_point deadline = last_activity + limits.idle_timeout;
  if (now < deadline) {
    ArmIdleTimer(deadline - now);
    return;
  }
  Fail(absl::DeadlineExceededError(absl::StrCat("connection from ", peer, " idle for ",
                                                Millis(now - last_activity), " ms (limit ",
                                                limits.idle_timeout.count(), " ms)")));
}

// ----------------------------------------------------------------- writing

void Connection::State::Enqueue(Chunk chunk) {
  queued += chunk.size;
  out.push_back(std::move(chunk));
}

void Connection::State::Pump() {
  uint64_t sendfile_budget = kSendfileBytesPerTurn;
  while (!writing && !closed) {
    while (!out.empty() && out.front().done == out.front().size) out.pop_front();
    if (out.empty()) return;
    if (out.front().file == nullptr) {
      StartGatherWrite();
      return;
    }
    Chunk& chunk = out.front();
    off_t position = static_cast<off_t>(chunk.offset + chunk.done);
    const size_t count = static_cast<size_t>(std::min<uint64_t>(chunk.size - chunk.done,
                                                                kSendfileMaxCount));
    const ssize_t sent =
        ::sendfile(socket.native_handle(), chunk.file->fd(), &position, count);
    if (sent > 0) {
      Consume(static_cast<uint64_t>(sent));
      if (static_cast<uint64_t>(sent) >= sendfile_budget) {
        // Let other connections on this shard have a turn.
        writing = true;
        asio::post(socket.get_executor(), [self = shared_from_this()] {
          self->OnWriteDone();
          if (!self->closed) self->Pump();
        });
        return;
      }
      sendfile_budget -= static_cast<uint64_t>(sent);
      continue;
    }
    if (sent == 0) {
      // The frame's size prefix promised bytes the file no longer has.
      Fail(absl::DataLossError(absl::StrCat(
          "file ", chunk.file->path(), " ends before position ", position, " (range ",
          chunk.offset, "+", chunk.size, ") while sending a frame to ", peer)));
      return;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      writing = true;
      socket.async_wait(asio::ip::tcp::socket::wait_write,
                        [self = shared_from_this()](const asio::error_code& ec) {
                          self->OnWriteDone();
                          if (self->closed) return;
                          if (ec) {
                            self->Fail(AsioErrorToStatus(
                                ec, absl::StrCat("wait to write to ", self->peer)));
                            return;
                          }
                          self->Pump();
                        });
      return;
    }
    Fail(AsioErrorToStatus(asio::error_code(err, asio::system_category()),
                           absl::StrCat("sendfile from ", chunk.file->path(), " to ", peer)));
    return;
  }
}

void Connection::State::StartGatherWrite() {
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(std::min(out.size(), kMaxGatherBuffers));
  bool file_follows = false;
  for (const Chunk& chunk : out) {
    if (chunk.file != nullptr) {
      file_follows = true;
      break;
    }
    if (buffers.size() == kMaxGatherBuffers) break;
    if (chunk.done == chunk.size) continue;
    buffers.emplace_back(chunk.data() + chunk.done, static_cast<size_t>(chunk.size - chunk.done));
  }
  writing = true;
  // Bytes right before a file range (a Fetch response's fields) wait for the
  // range's first bytes instead of leaving as a small segment of their own
  // (TCP_NODELAY would push them at once): one packet less per range.
  const asio::socket_base::message_flags flags = file_follows ? MSG_MORE : 0;
  socket.async_send(buffers, flags, [self = shared_from_this()](const asio::error_code& ec,
                                                                size_t bytes) {
    self->OnWriteDone();
    if (self->closed) return;
    if (ec) {
      self->Fail(AsioErrorToStatus(ec, absl::StrCat("write to ", self->peer)));
      return;
    }
    self->Consume(bytes);
    self->Pump();
  });
}

void Connection::State::OnWriteDone() {
  writing = false;
  // Fail() left the chunks alone while the write could still read them.
  if (closed) out.clear();
}

void Connection::State::Consume(uint64_t bytes) {
  CAIRN_CHECK(bytes <= queued) << bytes << " written of " << queued << " queued";
  queued -= static_cast<size_t>(bytes);
  if (bytes > 0) last_activity = Clock::now();
  while (bytes > 0) {
    CAIRN_CHECK(!out.empty());
    Chunk& chunk = out.front();
    const uint64_t take = std::min(bytes, chunk.size - chunk.done);
    chunk.done += take;
    bytes -= take;
    if (chunk.done == chunk.size) out.pop_front();
  }
  MaybeNotifyDrained();
}

void Connection::State::MaybeNotifyDrained() {
  if (!drain_armed || closed || queued > drain_low_water) return;
  drain_armed = false;
  // Posted: Consume also runs inside Send (sendfile), and handler callbacks
  // never run inline from a call into the Connection.
  asio::post(socket.get_executor(), [self = shared_from_this()] {
    if (self->closed || self->handler == nullptr) return;
    self->handler->OnDrained();
  });
}

// ----------------------------------------------------------------- closing

void Connection::State::Fail(absl::Status reason) {
  if (closed) return;
  closed = true;
  close_reason = std::move(reason);
  asio::error_code ignored;
  socket.close(ignored);  // completes the pending read and write with aborted
  idle_timer.cancel();
  frame_timer.cancel();
  ready.clear();
  queued = 0;
  if (!writing) out.clear();
  if (started) PostClose();
}

void Connection::State::PostClose() {
  asio::post(socket.get_executor(), [self = shared_from_this()] {
    if (self->close_reported || self->handler == nullptr) return;
    self->close_reported = true;
    Handler* handler = std::exchange(self->handler, nullptr);
    handler->OnClose(self->close_reason);
  });
}

// ----------------------------------------------------------------- SendFile

absl::StatusOr<std::shared_ptr<const SendFile>> SendFile::Duplicate(const File& file) {
  const int fd = file.native_handle();
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(file.path(), " has no descriptor to send from"));
  }
  const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    const int err = errno;
    if (err == EMFILE || err == ENFILE) {
      return absl::ResourceExhaustedError(
          absl::StrCat("no descriptor left to duplicate that of ", file.path()));
    }
    return ErrnoToStatus(err, absl::StrCat("duplicating the descriptor of ", file.path()));
  }
  return std::shared_ptr<const SendFile>(new SendFile(copy, file.path()));
}

SendFile::~SendFile() { ::close(fd_); }  // read-only use: close(2) reports nothing of value

// ----------------------------------------------------------------- Connection

absl::StatusOr<std::unique_ptr<Connection>> Connection::Adopt(Shard& shard, int fd) {
  IgnoreSigpipeOnce();
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoToStatus(err, "getsockname of an accepted connection");
  }
  const asio::ip::tcp protocol =
      address.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
  asio::ip::tcp::socket socket(shard.io_context());
  asio::error_code ec;
  socket.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return AsioErrorToStatus(ec, "adopting an accepted connection");
  }
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (ec) return AsioErrorToStatus(ec, "setting TCP_NODELAY");
  socket.native_non_blocking(true, ec);  // for sendfile
  if (ec) return AsioErrorToStatus(ec, "making a connection non-blocking");
  const auto remote = socket.remote_endpoint(ec);
  std::string peer = ec ? std::string("unknown") : EndpointString(remote);
  const auto near = socket.local_endpoint(ec);
  std::string local = ec ? std::string("unknown") : EndpointString(near);
  return std::unique_ptr<Connection>(new Connection(
      std::make_shared<State>(shard, std::move(socket), std::move(peer), std::move(local))));
}

Connection::Connection(std::shared_ptr<State> state) : state_(std::move(state)) {}

Connection::~Connection() {
  state_->CheckDestroyThread();
  state_->handler = nullptr;  // not even a pending OnClose
  state_->Fail(absl::CancelledError("connection destroyed"));
}

void Connection::Start(Handler* handler, Limits limits) {
  State& s = *state_;
  s.CheckThread();
  CAIRN_CHECK(!s.started) << "connection " << s.peer << " started twice";
  CAIRN_CHECK(handler != nullptr);
  CAIRN_CHECK(limits.max_frame_bytes > 0) << limits.max_frame_bytes;
  s.started = true;
  s.handler = handler;
  s.limits = limits;
  if (s.closed) {
    s.PostClose();
    return;
  }
  s.last_activity = Clock::now();
  s.ArmIdleTimer(limits.idle_timeout);
  s.MaybeRead();
}

void Connection::PauseReading() {
  state_->CheckThread();
  state_->paused = true;
}

void Connection::ResumeReading() {
  State& s = *state_;
  s.CheckThread();
  if (!s.paused) return;
  s.paused = false;
  if (s.closed) return;
  if (s.partial) {
    s.partial_since = Clock::now();  // the client was not the one stalling
    s.ArmFrameTimer(s.limits.frame_timeout);
  }
  // Deliver from the loop, not inline: the caller may be in the middle of
  // something the handler's OnFrame would disturb.
  asio::post(s.socket.get_executor(), [self = state_] { self->DeliverFrames(); });
}

bool Connection::reading_paused() const { return state_->paused; }

void Connection::Send(Buffer payload) {
  std::vector<Piece> pieces;
  pieces.emplace_back(std::move(payload));
  SendPieces(std::move(pieces));
}

void Connection::SendPieces(std::vector<Piece> pieces) {
  State& s = *state_;
  s.CheckThread();
  if (s.closed) return;
  // Everything is checked before anything is queued, so a frame is queued
  // whole or not at all.
  uint64_t total = 0;
  std::vector<State::Chunk> chunks;
  chunks.reserve(pieces.size() + 1);
  chunks.emplace_back();  // the size prefix, filled in below
  for (Piece& piece : pieces) {
    State::Chunk chunk;
    if (Buffer* bytes = std::get_if<Buffer>(&piece)) {
      chunk.size = bytes->size();
      chunk.bytes = std::move(*bytes);
    } else if (SharedBytes* shared = std::get_if<SharedBytes>(&piece)) {
      CAIRN_CHECK(shared->bytes.empty() || shared->owner != nullptr)
          << "borrowed bytes without an owner, to " << s.peer;
      chunk.size = shared->bytes.size();
      chunk.borrowed = shared->bytes.data();
      chunk.owner = std::move(shared->owner);
    } else {
      FileRange& range = std::get<FileRange>(piece);
      CAIRN_CHECK(range.file != nullptr) << "file range without a file, to " << s.peer;
      struct stat st {};
      if (fstat(range.file->fd(), &st) != 0) {
        s.Fail(ErrnoToStatus(errno, absl::StrCat("fstat of ", range.file->path())));
        return;
      }
      if (range.offset + range.length > static_cast<uint64_t>(st.st_size)) {
        s.Fail(absl::DataLossError(absl::StrCat(
            "file ", range.file->path(), " has ", st.st_size, " bytes, fewer than the range ",
            range.offset, "+", range.length, " to send to ", s.peer)));
        return;
      }
      chunk.size = range.length;
      chunk.file = std::move(range.file);
      chunk.offset = range.offset;
    }
    total += chunk.size;
    if (chunk.size > 0) chunks.push_back(std::move(chunk));
  }
  CAIRN_CHECK(total <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
      << "frame of " << total << " bytes to " << s.peer;
  State::Chunk& header = chunks.front();
  header.is_header = true;
  header.size = kFrameHeaderBytes;
  StoreBigEndian(header.header.data(), static_cast<int32_t>(total));
  for (State::Chunk& chunk : chunks) s.Enqueue(std::move(chunk));
  s.Pump();
}

size_t Connection::queued_bytes() const { return state_->queued; }

void Connection::NotifyWhenDrained(size_t low_water_bytes) {
  State& s = *state_;
  s.CheckThread();
  s.drain_armed = true;
  s.drain_low_water = low_water_bytes;
  s.MaybeNotifyDrained();
}

void Connection::Close() {
  state_->CheckThread();
  state_->Fail(absl::OkStatus());
}

bool Connection::is_open() const { return !state_->closed; }

std::string Connection::peer() const { return state_->peer; }

std::string Connection::local() const { return state_->local; }

}  // namespace cairn::io
