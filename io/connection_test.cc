// Connection on real loopback sockets: framing, bad frame sizes,
// backpressure, drain notifications, timeouts, gather sends of owned bytes
// and zero-copy file ranges, and lifetime. Helpers: io/testing/tcp_support.h.
#include <doctest/doctest.h>

#include "io/testing/tcp_support.h"

namespace cairn::io {
namespace {

using namespace testing;  // NOLINT: test helpers
using namespace std::chrono_literals;

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

TEST_CASE("Connection: while paused no frame is delivered and the client is pushed back, after "
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
  Server server({}, [](Server& s, size_t i, ByteSpan frame) {
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
  Server server({}, [](Server& s, size_t i, ByteSpan frame) {
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
  Server server({}, [](Server& s, size_t i, ByteSpan frame) {
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

// ------------------------------------------------------------------ gather sends

std::shared_ptr<const SendFile> Dup(const File& file) {
  auto duplicate = SendFile::Duplicate(file);
  CAIRN_CHECK(duplicate.ok()) << duplicate.status();
  return *std::move(duplicate);
}

Buffer Concat(std::initializer_list<Buffer> parts) {
  Buffer out;
  for (const Buffer& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// The client sends one frame, and the server's handler has run for it.
void SendOneFrame(Client& client, Server& server) {
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));
  REQUIRE(server.WaitUntil([](const auto& r) { return !r.empty() && r[0].frames.size() == 1; }));
}

TEST_CASE("Connection: SendPieces sends owned bytes and file ranges in order, interleaved, with "
          "plain sends before and after") {
  const Buffer contents = Pattern(9 << 20, 42);
  const Buffer other_contents = Pattern(1000, 43);
  RealFile real(contents);
  RealFile other(other_contents);
  Server server({}, [&](Server& s, size_t i, ByteSpan) {
    Connection& c = *s.connection(i);
    const auto file = Dup(*real.file);
    c.Send(Buffer{'a'});
    // Big enough to fill the socket: the sendfile path waits for writability.
    std::vector<Connection::Piece> big;
    big.emplace_back(Buffer{'p', 'r', 'e'});
    big.emplace_back(Connection::FileRange{file, 12345, 8 << 20});
    big.emplace_back(Buffer{'m', 'i', 'd'});
    big.emplace_back(Connection::FileRange{file, 0, 10});
    c.SendPieces(std::move(big));
    // Two files, adjacent ranges, empty pieces and a range at the very end.
    std::vector<Connection::Piece> mixed;
    mixed.emplace_back(Connection::FileRange{Dup(*other.file), 990, 10});
    mixed.emplace_back(Buffer{});
    mixed.emplace_back(Connection::FileRange{file, 7, 3});
    mixed.emplace_back(Connection::FileRange{file, 10, 0});
    mixed.emplace_back(Connection::FileRange{file, (9 << 20) - 5, 5});
    mixed.emplace_back(Buffer{'t'});
    c.SendPieces(std::move(mixed));
    c.SendPieces({});  // an empty frame
    c.Send(Buffer{'b'});
  });
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));

  CHECK(client.ReadFrame() == Buffer{'a'});
  const Buffer expected_big = Concat({Buffer{'p', 'r', 'e'}, Slice(contents, 12345, 8 << 20),
                                      Buffer{'m', 'i', 'd'}, Slice(contents, 0, 10)});
  const Buffer big = client.ReadFrame();
  REQUIRE(big.size() == expected_big.size());
  CHECK(big == expected_big);  // byte by byte
  CHECK(client.ReadFrame() == Concat({Slice(other_contents, 990, 10), Slice(contents, 7, 3),
                                      Slice(contents, (9 << 20) - 5, 5), Buffer{'t'}}));
  CHECK(client.Read(4) == Header(0));
  CHECK(client.ReadFrame() == Buffer{'b'});
  CHECK(server.Run([&] { return server.connection(0)->queued_bytes(); }) == 0);
  CHECK(server.Snapshot(0).closes.empty());
}

TEST_CASE("Connection: SendPieces with more owned pieces than one writev takes keeps their order") {
  constexpr size_t kPieces = 200;  // Asio writes at most 64 buffers per call
  Server server({}, [](Server& s, size_t i, ByteSpan) {
    std::vector<Connection::Piece> pieces;
    for (uint32_t k = 0; k < kPieces; ++k) pieces.emplace_back(Pattern(1 + k % 7, k));
    s.connection(i)->SendPieces(std::move(pieces));
  });
  Client client(server.port());
  REQUIRE(client.connected());
  client.Write(Frame(Buffer{1}));
  Buffer expected;
  for (uint32_t k = 0; k < kPieces; ++k) {
    const Buffer piece = Pattern(1 + k % 7, k);
    expected.insert(expected.end(), piece.begin(), piece.end());
  }
  CHECK(client.ReadFrame() == expected);
}

TEST_CASE("Connection: SendPieces sends borrowed bytes in place among owned ones, and lets go of "
          "their owner once they are written") {
  constexpr size_t kBorrowed = 8 << 20;  // more than the socket buffers hold
  auto owned_elsewhere = std::make_shared<const Buffer>(Pattern(kBorrowed, 5));
  const std::weak_ptr<const Buffer> watch = owned_elsewhere;
  Server server({}, [&](Server& s, size_t i, ByteSpan) {
    const Buffer& bytes = *owned_elsewhere;
    std::vector<Connection::Piece> pieces;
    pieces.emplace_back(Buffer{'h', 'e', 'a', 'd'});
    pieces.emplace_back(Connection::SharedBytes{ByteSpan(bytes).subspan(1), owned_elsewhere});
    pieces.emplace_back(Connection::SharedBytes{});  // nothing borrowed, no owner needed
    pieces.emplace_back(Connection::SharedBytes{ByteSpan(bytes).first(3), owned_elsewhere});
    pieces.emplace_back(Buffer{'t'});
    owned_elsewhere.reset();  // from here on the connection alone holds it
    s.connection(i)->SendPieces(std::move(pieces));
  });
  Client client(server.port(), /*receive_buffer=*/64 << 10);
  SendOneFrame(client, server);
  CHECK(server.Run([&] { return server.connection(0)->queued_bytes(); }) > size_t{1} << 20);
  CHECK(!watch.expired());  // still queued: the bytes must stay
  const Buffer expected = Pattern(kBorrowed, 5);
  CHECK(client.ReadFrame() == Concat({Buffer{'h', 'e', 'a', 'd'}, Slice(expected, 1, kBorrowed - 1),
                                      Slice(expected, 0, 3), Buffer{'t'}}));
  CHECK(Eventually([&] { return watch.expired(); }));
  CHECK(server.Snapshot(0).closes.empty());
}

TEST_CASE("Connection: queued_bytes counts file ranges until the peer reads them, and OnDrained "
          "follows") {
  constexpr uint64_t kRange = 16 << 20;
  const Buffer contents = Pattern(kRange, 9);
  RealFile real(contents);
  Server server({}, [&](Server& s, size_t i, ByteSpan) {
    std::vector<Connection::Piece> pieces;
    pieces.emplace_back(Buffer{'h', 'e', 'a', 'd'});
    pieces.emplace_back(Connection::FileRange{Dup(*real.file), 0, kRange});
    s.connection(i)->SendPieces(std::move(pieces));
  });
  Client client(server.port(), /*receive_buffer=*/64 << 10);
  SendOneFrame(client, server);
  const size_t queued = server.Run([&] {
    server.connection(0)->NotifyWhenDrained(1 << 20);
    return server.connection(0)->queued_bytes();
  });
  // 4 + 4 + 16 MiB queued; the socket buffers hold a few MiB at most.
  CHECK(queued > size_t{8} << 20);
  CHECK(queued <= 4 + 4 + kRange);
  CHECK(server.Snapshot(0).drained == 0);
  const Buffer frame = client.ReadFrame();
  CHECK(frame == Concat({Buffer{'h', 'e', 'a', 'd'}, contents}));
  CHECK(server.WaitUntil([](const auto& r) { return r[0].drained == 1; }));
  CHECK(Eventually([&] { return server.Run([&] { return server.connection(0)->queued_bytes(); }) == 0; }));
}

TEST_CASE("Connection: a file unlinked while its range is queued is still sent whole") {
  constexpr uint64_t kRange = 16 << 20;
  const Buffer contents = Pattern(kRange, 11);
  auto real = std::make_unique<RealFile>(contents);
  const std::string path = real->path;
  Server server({}, [&](Server& s, size_t i, ByteSpan) {
    std::vector<Connection::Piece> pieces;
    pieces.emplace_back(Connection::FileRange{Dup(*real->file), 0, kRange});
    pieces.emplace_back(Buffer{'e', 'n', 'd'});
    s.connection(i)->SendPieces(std::move(pieces));
  });
  Client client(server.port(), /*receive_buffer=*/64 << 10);
  SendOneFrame(client, server);
  // The socket is full and most of the range still queued...
  REQUIRE(server.Run([&] { return server.connection(0)->queued_bytes(); }) > size_t{8} << 20);
  // ...when the file goes: closed by its owner and unlinked (retention).
  real.reset();
  REQUIRE(access(path.c_str(), F_OK) != 0);
  CHECK(client.ReadFrame() == Concat({contents, Buffer{'e', 'n', 'd'}}));
  CHECK(server.Snapshot(0).closes.empty());
}

TEST_CASE("Connection: a file truncated while its range is queued closes the connection with "
          "DataLoss mid-frame, never padding the frame") {
  constexpr uint64_t kRange = 16 << 20;
  constexpr uint64_t kTruncatedSize = 1 << 20;
  const Buffer contents = Pattern(kRange, 12);
  RealFile real(contents);
  Server server({}, [&](Server& s, size_t i, ByteSpan) {
    std::vector<Connection::Piece> pieces;
    pieces.emplace_back(Connection::FileRange{Dup(*real.file), 0, kRange});
    s.connection(i)->SendPieces(std::move(pieces));
  });
  Client client(server.port(), /*receive_buffer=*/64 << 10);
  SendOneFrame(client, server);
  REQUIRE(server.Run([&] { return server.connection(0)->queued_bytes(); }) > size_t{8} << 20);
  REQUIRE(truncate(real.path.c_str(), kTruncatedSize) == 0);
  const auto [received, ended] = client.ReadToEnd();
  CHECK(ended);
  REQUIRE(received.size() >= 4);
  CHECK(LoadBigEndian<int32_t>(received.data()) == static_cast<int32_t>(kRange));
  // The frame is cut short, so the client cannot take it for a whole one.
  // Bytes below the new end arrive intact; those past it that sendfile had
  // already queued in the socket may not (the kernel may zero them).
  CHECK(received.size() - 4 < kRange);
  const size_t intact = std::min<size_t>(received.size() - 4, kTruncatedSize);
  CHECK(std::equal(received.begin() + 4, received.begin() + 4 + static_cast<ptrdiff_t>(intact), contents.begin()));
  REQUIRE(server.WaitForClose(0));
  const Record record = server.Snapshot(0);
  REQUIRE(record.closes.size() == 1);
  CHECK(record.closes[0].code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("Connection: a range already past the end of its file closes with DataLoss before any "
          "byte of the frame") {
  RealFile real(Pattern(4096, 5));
  Server server({}, [&](Server& s, size_t i, ByteSpan) {
    Connection& c = *s.connection(i);
    std::vector<Connection::Piece> pieces;
    pieces.emplace_back(Buffer{'p'});
    pieces.emplace_back(Connection::FileRange{Dup(*real.file), 4096 - 10, 11});
    c.SendPieces(std::move(pieces));
    c.Send(Buffer{'x'});  // ignored: closed
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

TEST_CASE("SendFile: a file without descriptor cannot be duplicated, a duplicate outlives its "
          "File and closes with its last holder") {
  const MemoryFile memory(Pattern(10, 1));
  CHECK(SendFile::Duplicate(memory).status().code() == absl::StatusCode::kFailedPrecondition);

  const Buffer contents = Pattern(100, 2);
  auto real = std::make_unique<RealFile>(contents);
  std::shared_ptr<const SendFile> duplicate = Dup(*real->file);
  CHECK(duplicate->path() == real->path);
  CHECK(duplicate->fd() != real->file->native_handle());
  struct stat original {};
  REQUIRE(fstat(real->file->native_handle(), &original) == 0);
  real.reset();  // closed and unlinked
  Buffer read_back(contents.size());
  CHECK(pread(duplicate->fd(), read_back.data(), read_back.size(), 0) == 100);
  CHECK(read_back == contents);
  const int fd = duplicate->fd();
  duplicate.reset();
  // Closed: the number is free (or, if something reused it, no longer this file).
  struct stat after {};
  CHECK((fstat(fd, &after) != 0 || after.st_ino != original.st_ino));
}

// ------------------------------------------------------------------ closing and lifetime

TEST_CASE("Connection: Close inside OnFrame is safe and OnClose runs exactly once with OK") {
  Server server({}, [](Server& s, size_t i, ByteSpan) {
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
  Server server({}, [](Server& s, size_t i, ByteSpan) {
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
  SendOneFrame(client, server);
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

}  // namespace
}  // namespace cairn::io
