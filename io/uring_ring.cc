// io_uring request queueing, batched submission, overflow and completion
// dispatch (see uring_ring.h for the contracts).

#include "io/uring_ring.h"

#include <sys/eventfd.h>
#include <sys/uio.h>  // RWF_DSYNC
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <utility>

#include "common/check.h"
#include "common/logging.h"
#include "io/status_from_errno.h"

namespace cairn::io {

// One accepted request. Its address is the SQE's user_data; it lives until
// its callback has been taken, and moves between the SQ and the overflow
// queue, never in both.
struct Ring::Request {
  enum class Op : uint8_t { kWrite, kDurableWrite, kRead, kFdatasync };
  Op op;
  int fd;
  uint64_t position;    // where the next transfer starts
  const uint8_t* data;  // next byte to transfer (mutable for reads)
  size_t remaining;     // bytes still to transfer
  size_t transferred;   // bytes already transferred
  Completion done;
};

absl::StatusOr<std::unique_ptr<Ring>> Ring::Create(unsigned queue_depth) {
  CAIRN_CHECK(queue_depth > 0);
  CAIRN_CHECK(queue_depth <= 32768) << "queue_depth " << queue_depth;
  std::unique_ptr<Ring> ring(new Ring());
  // CQ twice the SQ, and SUBMIT_ALL so one bad SQE does not stall the batch
  // behind it (it gets its own error CQE). Kernels before 5.18 reject
  // SUBMIT_ALL; we then do without it.
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = 2 * queue_depth;
  int ret = io_uring_queue_init_params(queue_depth, &ring->ring_, &params);
  if (ret == -EINVAL) {
    params = {};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = 2 * queue_depth;
    ret = io_uring_queue_init_params(queue_depth, &ring->ring_, &params);
  }
  if (ret < 0) return ErrnoToStatus(-ret, "io_uring_queue_init");
  ring->ring_initialized_ = true;
  if ((params.features & IORING_FEAT_NODROP) == 0) {
    return absl::FailedPreconditionError("io_uring lacks IORING_FEAT_NODROP (kernel < 5.5)");
  }
  ring->sq_entries_ = params.sq_entries;
  ring->cq_entries_ = params.cq_entries;

  ring->event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ring->event_fd_ < 0) return ErrnoToStatus(errno, "eventfd for io_uring");
  ret = io_uring_register_eventfd(&ring->ring_, ring->event_fd_);
  if (ret < 0) return ErrnoToStatus(-ret, "io_uring_register_eventfd");
  return ring;
}

Ring::~Ring() {
  while (in_flight() > 0) WaitAndProcess();
  if (event_fd_ >= 0) close(event_fd_);
  if (ring_initialized_) io_uring_queue_exit(&ring_);
}

void Ring::SubmitWrite(int fd, uint64_t pos, ByteSpan data, Completion done) {
  EnqueueWrite(/*durable=*/false, fd, pos, data, std::move(done));
}

void Ring::SubmitDurableWrite(int fd, uint64_t pos, ByteSpan data, Completion done) {
  EnqueueWrite(/*durable=*/true, fd, pos, data, std::move(done));
}

void Ring::EnqueueWrite(bool durable, int fd, uint64_t pos, ByteSpan data, Completion done) {
  CAIRN_CHECK(data.size() <= INT_MAX) << "write of " << data.size() << " bytes";
  CAIRN_CHECK(done != nullptr);
  const auto op = durable ? Request::Op::kDurableWrite : Request::Op::kWrite;
  Enqueue(new Request{op, fd, pos, data.data(), data.size(), 0, std::move(done)});
}

void Ring::SubmitRead(int fd, uint64_t pos, MutableByteSpan out, Completion done) {
  CAIRN_CHECK(out.size() <= INT_MAX) << "read of " << out.size() << " bytes";
  CAIRN_CHECK(done != nullptr);
  Enqueue(new Request{Request::Op::kRead, fd, pos, out.data(), out.size(), 0, std::move(done)});
}

void Ring::SubmitFdatasync(int fd, Completion done) {
  CAIRN_CHECK(done != nullptr);
  Enqueue(new Request{Request::Op::kFdatasync, fd, 0, nullptr, 0, 0, std::move(done)});
}

void Ring::Enqueue(Request* request) {
  // FIFO: nothing overtakes a request already waiting in the overflow queue.
  if (!overflow_.empty() || prepared_ >= cq_entries_ || !Prepare(request)) {
    overflow_.push_back(request);
  }
}

bool Ring::Prepare(Request* request) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // SQ full: hand this batch to the kernel and try once more.
    SubmitPending();
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) return false;
  }
  const auto length = static_cast<unsigned>(request->remaining);
  switch (request->op) {
    case Request::Op::kWrite:
    case Request::Op::kDurableWrite:
      io_uring_prep_write(sqe, request->fd, request->data, length, request->position);
      if (request->op == Request::Op::kDurableWrite) sqe->rw_flags = RWF_DSYNC;
      break;
    case Request::Op::kRead:
      // The buffer came in as a MutableByteSpan; only the field is const.
      io_uring_prep_read(sqe, request->fd, const_cast<uint8_t*>(request->data), length,
                         request->position);
      break;
    case Request::Op::kFdatasync:
      io_uring_prep_fsync(sqe, request->fd, IORING_FSYNC_DATASYNC);
      break;
  }
  io_uring_sqe_set_data(sqe, request);
  ++prepared_;
  if (!submit_requested_) {
    submit_requested_ = true;
    if (submit_hook_) submit_hook_();
  }
  return true;
}

void Ring::SubmitPending() {
  submit_requested_ = false;
  while (io_uring_sq_ready(&ring_) > 0) {
    const int ret = io_uring_submit(&ring_);
    if (ret == -EINTR) continue;
    if (ret == -EAGAIN || ret == -EBUSY || ret == -ENOMEM) {
      // The kernel is short of resources: the SQEs stay queued. Ask the event
      // loop for another turn, and completions retry too (ProcessCompletions).
      CAIRN_LOG(kWarning) << "io_uring_submit: " << strerror(-ret) << "; retrying";
      submit_requested_ = true;
      if (submit_hook_) submit_hook_();
      return;
    }
    CAIRN_CHECK(ret >= 0) << "io_uring_submit: " << strerror(-ret);
    if (ret == 0) return;
  }
}

size_t Ring::ProcessCompletions() {
  constexpr unsigned kBatch = 64;
  size_t finished = 0;
  // Only what is posted now: a caller woken by the eventfd is woken again for
  // anything posted later, and a busy ring cannot keep us here forever.
  unsigned budget = io_uring_cq_ready(&ring_);
  while (budget > 0) {
    io_uring_cqe* cqes[kBatch];
    const unsigned count = io_uring_peek_batch_cqe(&ring_, cqes, std::min(budget, kBatch));
    if (count == 0) break;
    std::pair<Request*, int> batch[kBatch];
    for (unsigned i = 0; i < count; ++i) {
      batch[i] = {static_cast<Request*>(io_uring_cqe_get_data(cqes[i])), cqes[i]->res};
    }
    // Free the CQ slots before the callbacks run: they may queue more work.
    io_uring_cq_advance(&ring_, count);
    budget -= count;
    for (unsigned i = 0; i < count; ++i) {
      if (HandleCompletion(batch[i].first, batch[i].second)) ++finished;
    }
  }
  DrainOverflow();
  SubmitPending();
  return finished;
}

size_t Ring::WaitAndProcess() {
  if (in_flight() == 0) return 0;
  DrainOverflow();
  for (;;) {
    submit_requested_ = false;
    const int ret = io_uring_submit_and_wait(&ring_, 1);
    if (ret >= 0) break;
    if (ret == -EINTR) continue;
    CAIRN_CHECK(ret == -EAGAIN || ret == -EBUSY || ret == -ENOMEM)
        << "io_uring_submit_and_wait: " << strerror(-ret);
    if (prepared_ > io_uring_sq_ready(&ring_)) {
      // Some requests are already in the kernel: wait for those instead.
      io_uring_cqe* cqe = nullptr;
      int wait = 0;
      do {
        wait = io_uring_wait_cqe(&ring_, &cqe);
      } while (wait == -EINTR);
      break;
    }
    std::this_thread::yield();  // nothing accepted yet: retry the submit
  }
  return ProcessCompletions();
}

bool Ring::HandleCompletion(Request* request, int res) {
  CAIRN_CHECK(request != nullptr) << "CQE without a request, res " << res;
  CAIRN_CHECK(prepared_ > 0);
  --prepared_;
  if (res == -EINTR || res == -EAGAIN) {
    // Nothing was transferred (or, for fdatasync, nothing consumed the
    // writeback error), so the same request is simply tried again.
    Resubmit(request);
    return false;
  }
  if (res < 0 || request->op == Request::Op::kFdatasync) {
    Finish(request, res);
    return true;
  }
  const auto bytes = static_cast<size_t>(res);
  CAIRN_CHECK(bytes <= request->remaining)
      << "kernel reported " << bytes << " of " << request->remaining;
  request->transferred += bytes;
  request->remaining -= bytes;
  request->position += bytes;
  request->data += bytes;
  if (request->remaining == 0) {
    Finish(request, static_cast<int>(request->transferred));
    return true;
  }
  if (bytes == 0) {
    // A read that hits end of file returns what it has; a write that makes no
    // progress would spin forever, so it fails.
    Finish(request,
           request->op == Request::Op::kRead ? static_cast<int>(request->transferred) : -EIO);
    return true;
  }
  // Short transfer: continue at the new position. For reads this costs one
  // more round trip to learn that the file really ends here.
  Resubmit(request);
  return false;
}

void Ring::Resubmit(Request* request) {
  // Continuations are older than anything waiting, so they go first.
  if (!Prepare(request)) overflow_.push_front(request);
}

void Ring::Finish(Request* request, int res) {
  Completion done = std::move(request->done);
  delete request;
  std::move(done)(res);
}

void Ring::DrainOverflow() {
  while (!overflow_.empty() && prepared_ < cq_entries_) {
    if (!Prepare(overflow_.front())) return;
    overflow_.pop_front();
  }
}

}  // namespace cairn::io
