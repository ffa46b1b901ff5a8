// One TCP connection on one shard, speaking Kafka's framing: an int32
// big-endian size, then that many bytes (DESIGN.md §8 for the limits and the
// backpressure it gives the broker, reliability.md §5 for the bad input it
// rejects). Accepted by a TcpListener (io/tcp_listener.h).
//
// Threading: every call, and every Handler callback, happens on the thread of
// the shard that accepted the connection (the destructor may also run after
// that shard's thread stopped). Handler callbacks never run inline from a call
// into the Connection: they come from the shard's event loop.
//
// sendfile(2) cannot suppress SIGPIPE per call, so the first connection sets
// SIGPIPE to SIG_IGN for the process if it was still SIG_DFL.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "io/file.h"

namespace cairn::io {

class Shard;

// A read-only handle on an open file for zero-copy sends, holding a
// descriptor of its own (a dup of the File's):
//  - it may cross shards: it is immutable and shares nothing with the File it
//    came from, whose owner shard may close or delete that File at any time
//    (DESIGN.md §2: messages carry ownership, never pointers into another
//    shard's state);
//  - the bytes stay readable after the file is unlinked (retention,
//    compaction, topic deletion): the kernel keeps an unlinked file's data
//    while a descriptor on it is open.
// A file truncated in place is the one case it cannot cover: sendfile queues
// references to the file's pages, so bytes past the new end may change even
// after they were queued, and a range not yet queued whole closes the
// connection with DataLoss mid-frame. Cairn never truncates a segment in
// place below the high watermark (only a follower's divergent tail), and
// reads never go past it.
// Shared (shared_ptr<const>) so one duplicate can back several ranges and
// ranges stay copyable; the descriptor closes when the last holder goes, on
// whichever thread that is (close(2) is thread-safe).
class SendFile {
 public:
  // Duplicates the descriptor of `file`. FailedPrecondition for a file
  // without one (simulated), ResourceExhausted when out of descriptors:
  // callers then send copied bytes instead.
  static absl::StatusOr<std::shared_ptr<const SendFile>> Duplicate(const File& file);
  ~SendFile();
  SendFile(const SendFile&) = delete;
  SendFile& operator=(const SendFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  SendFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  const int fd_;
  const std::string path_;
};

class Connection {
 public:
  struct Limits {
    // Largest frame payload accepted (Kafka's socket.request.max.bytes).
    int32_t max_frame_bytes = 100 << 20;
    // No complete frame read and no byte written for this long → close. The
    // clock stands still while reading is paused with no response queued
    // (the broker, not the client, is then the one holding things up).
    // Zero disables it.
    std::chrono::milliseconds idle_timeout{600000};
    // A frame whose first byte arrived but which is still incomplete this
    // long after → close (slowloris). Does not run while reading is paused
    // (it restarts on resume). Zero disables it.
    std::chrono::milliseconds frame_timeout{30000};
  };

  class Handler {
   public:
    virtual ~Handler() = default;
    // One complete frame: the payload without its size prefix. Never called
    // while reading is paused, nor after the connection closed. A ReadBuffer,
    // not zero-filled, because the socket fills each byte before this sees
    // it (the zeroing was 5% of a consumer's CPU profile).
    virtual void OnFrame(ReadBuffer frame) = 0;
    // Called exactly once when the connection closes (unless the Connection is
    // destroyed first), after which the handler is never called again:
    //   OK              Close() was called;
    //   Unavailable     the peer closed or reset the connection;
    //   InvalidArgument a frame size outside 1..max_frame_bytes;
    //   DeadlineExceeded the idle or the frame timeout;
    //   DataLoss        a file range of SendPieces was short;
    //   other           a socket or file error.
    virtual void OnClose(absl::Status reason) = 0;
    // The send queue drained: queued_bytes() fell to or below the low-water
    // mark of the last NotifyWhenDrained (one call per arming). Never called
    // after OnClose. The default does nothing.
    virtual void OnDrained() {}
  };

  // Bytes of a file sent as part of a frame, zero-copy with sendfile(2).
  struct FileRange {
    std::shared_ptr<const SendFile> file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  // Bytes the frame borrows rather than owns (a client's record batch, sent
  // without copying it into the frame): `owner` keeps them alive and
  // unchanged until they are written or the connection drops them; it is
  // released on the shard's thread (or wherever the Connection is destroyed).
  struct SharedBytes {
    ByteSpan bytes;
    std::shared_ptr<const void> owner;
  };
  // One piece of a frame's payload: owned bytes, borrowed bytes or a file range.
  using Piece = std::variant<Buffer, SharedBytes, FileRange>;

  // Closes the socket if still open, without calling the handler (not even a
  // pending OnClose). Safe inside a Handler callback.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading frames and the timeouts. `handler` must outlive the
  // Connection (or its OnClose). Call once. Sends may come before Start.
  void Start(Handler* handler, Limits limits);

  // Backpressure: while paused no bytes are read from the socket, so the
  // kernel buffers fill and TCP pushes back on the client. Frames read before
  // the pause stay queued and are delivered in order after ResumeReading.
  void PauseReading();
  void ResumeReading();
  bool reading_paused() const;

  // Queues one frame whose payload is `payload`; the 4-byte size prefix goes
  // out from a separate small buffer (no copy of the payload). Frames go out
  // strictly in call order. Ignored once the connection is closed.
  void Send(Buffer payload);
  // Queues one frame whose payload is the bytes of `pieces`, in order (a
  // gather send): the size prefix is their total, computed up front; owned
  // and borrowed bytes go out with writev (consecutive ones in one call), file ranges
  // with sendfile(2). A frame is never sent with fewer bytes than its size
  // prefix says: a range reaching past the end of its file closes the
  // connection with DataLoss, before any byte of the frame is sent when the
  // file is already short, or when sendfile comes up short (a file truncated
  // after queueing) — the peer then sees the connection end mid-frame.
  void SendPieces(std::vector<Piece> pieces);
  // Bytes accepted by Send and SendPieces and not yet written to the socket
  // (size prefixes and file ranges included). The broker stops reading
  // requests while this is too high.
  size_t queued_bytes() const;
  // Arms a one-shot Handler::OnDrained for when queued_bytes() is at most
  // `low_water_bytes`; if it already is, the call comes on the next turn of
  // the loop. Arming again replaces the mark. Lets a handler that stopped
  // reading because responses piled up resume once the peer reads them.
  void NotifyWhenDrained(size_t low_water_bytes);

  // Closes the socket, discarding unsent frames; OnClose(OK) follows later
  // (if the handler did not get an OnClose already). Idempotent; safe inside
  // OnFrame.
  void Close();
  bool is_open() const;

  // "ip:port" of each end ("[v6]:port" for IPv6); fixed at accept time.
  std::string peer() const;
  std::string local() const;

 private:
  friend class TcpListener;
  friend class TcpConnector;
  struct State;  // Asio state, shared with in-flight completions

  // Adopts a connected TCP socket descriptor on `shard`.
  static absl::StatusOr<std::unique_ptr<Connection>> Adopt(Shard& shard, int fd);
  explicit Connection(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace cairn::io
