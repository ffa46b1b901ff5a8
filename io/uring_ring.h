// One io_uring instance: queues reads, writes and fdatasyncs, submits them in
// batches and dispatches their completions. The disk half of a shard
// (DESIGN.md §2); io/uring_file.h builds the File interface on top of it.
//
// Threading: a Ring is not thread-safe. One thread (the owning shard's) makes
// every call, and completion callbacks run on that thread from inside
// ProcessCompletions()/WaitAndProcess(), never inline from a Submit* call.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::io {

class Ring {
 public:
  // Receives the raw result: bytes transferred (≥ 0) or a negative errno.
  using Completion = absl::AnyInvocable<void(int res) &&>;

  static constexpr unsigned kDefaultQueueDepth = 256;

  // Creates a ring with `queue_depth` SQ entries, a CQ twice that size and an
  // eventfd that becomes readable whenever completions are posted.
  static absl::StatusOr<std::unique_ptr<Ring>> Create(unsigned queue_depth = kDefaultQueueDepth);
  // Waits for every accepted request and runs its callback (on the calling
  // thread, which must be the owner), so the kernel never touches freed memory.
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // Writes all of `data` at `pos`: a short write is continued at the new
  // position, so `done` gets data.size() or a negative errno. `data` must stay
  // valid until `done` runs; data.size() must fit in an int.
  void SubmitWrite(int fd, uint64_t pos, ByteSpan data, Completion done);
  // SubmitWrite with RWF_DSYNC: `done` runs once the bytes and the metadata
  // needed to read them back are durable, as after an fdatasync, but in one
  // request where a write and an fdatasync take two io-wq round trips.
  void SubmitDurableWrite(int fd, uint64_t pos, ByteSpan data, Completion done);
  // Reads up to out.size() bytes at `pos`; fewer only at end of file. `done`
  // gets the byte count or a negative errno.
  void SubmitRead(int fd, uint64_t pos, MutableByteSpan out, Completion done);
  // fdatasync(fd); `done` gets 0 or a negative errno. Orders only against
  // writes that completed before the call (io_uring does not order SQEs).
  void SubmitFdatasync(int fd, Completion done);

  // Hands every queued SQE to the kernel in one io_uring_submit.
  void SubmitPending();
  // Reaps every posted completion without blocking and runs the callbacks;
  // then submits whatever they (and the overflow queue) queued. Returns the
  // number of requests finished.
  size_t ProcessCompletions();
  // Submits, blocks until at least one completion is posted, then behaves as
  // ProcessCompletions(). Returns at once when nothing is in flight. For
  // tests, benchmarks and threads without an event loop.
  size_t WaitAndProcess();

  // Called once when the first SQE is queued after a submit, so an event loop
  // can schedule one SubmitPending() per turn (io/shard.cc).
  void set_submit_hook(absl::AnyInvocable<void()> hook) { submit_hook_ = std::move(hook); }

  // Readable (8-byte counter) when completions may be waiting. Owned by the ring.
  int event_fd() const { return event_fd_; }
  // Requests accepted and not yet finished, including those still waiting
  // in the overflow queue.
  size_t in_flight() const { return prepared_ + overflow_.size(); }
  unsigned queue_depth() const { return sq_entries_; }

 private:
  struct Request;

  Ring() = default;
  void EnqueueWrite(bool durable, int fd, uint64_t pos, ByteSpan data, Completion done);
  void Enqueue(Request* request);
  // Puts `request` into an SQE; false when the SQ stays full.
  bool Prepare(Request* request);
  // Returns true when `request` finished (its callback ran).
  bool HandleCompletion(Request* request, int res);
  void Resubmit(Request* request);
  static void Finish(Request* request, int res);
  void DrainOverflow();

  io_uring ring_{};
  bool ring_initialized_ = false;
  int event_fd_ = -1;
  unsigned sq_entries_ = 0;
  unsigned cq_entries_ = 0;
  // Requests holding an SQE (queued or in the kernel). Kept ≤ cq_entries_, so
  // the CQ can never overflow even if we reap late.
  size_t prepared_ = 0;
  // Requests beyond that bound, in arrival order; bounded only by memory.
  std::deque<Request*> overflow_;
  bool submit_requested_ = false;
  absl::AnyInvocable<void()> submit_hook_;
};

}  // namespace cairn::io
