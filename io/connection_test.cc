// Connection on real loopback sockets: framing, bad frame sizes,
// backpressure, drain notifications, timeouts, zero-copy file sends and
// lifetime. Helpers: io/testing/tcp_support.h.
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

}  // namespace
}  // namespace cairn::io
