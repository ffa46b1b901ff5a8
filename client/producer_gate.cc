#include "client/producer_gate.h"

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace cairn::client {
namespace {

// Waits on `cv` until `ready()` holds or `timeout` passes; whether it holds.
// `ready` is tested first, so a wait that is not needed reads no clock.
template <typename Ready>
bool WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, int& waiters, absl::Duration timeout,
             Ready ready) {
  if (ready()) return true;
  ++waiters;
  bool held = true;
  // A century or more (milliseconds::max(), InfiniteDuration) is no
  // timeout: as a steady_clock deadline it would overflow.
  if (timeout >= absl::Hours(24 * 365 * 100)) {
    cv.wait(lock, ready);
  } else {
    held = cv.wait_for(lock, absl::ToChronoNanoseconds(timeout), ready);
  }
  --waiters;
  return held;
}

}  // namespace

absl::StatusOr<uint64_t> ProducerGate::Admit(size_t bytes, absl::Duration max_block) {
  std::unique_lock lock(mu_);
  auto fits = [this, bytes] { return closed_ || used_bytes_ == 0 || used_bytes_ + bytes <= capacity_bytes_; };
  if (!WaitFor(lock, changed_, waiters_, max_block, fits)) {
    return absl::ResourceExhaustedError(absl::StrCat("buffer.memory (", capacity_bytes_,
                                                     " bytes) stayed full for max.block.ms"));
  }
  if (closed_) return absl::FailedPreconditionError("producer closed");
  used_bytes_ += bytes;
  const uint64_t ticket = ++last_ticket_;
  completed_.push_back(false);
  return ticket;
}

void ProducerGate::Complete(uint64_t ticket, size_t bytes) { CompleteAll({&ticket, 1}, bytes); }

void ProducerGate::CompleteAll(std::span<const uint64_t> tickets, size_t bytes) {
  std::lock_guard lock(mu_);
  used_bytes_ -= bytes;
  for (uint64_t ticket : tickets) {
    CAIRN_CHECK(ticket >= lowest_incomplete_ && ticket <= last_ticket_ && !completed_[ticket - lowest_incomplete_])
        << "ticket " << ticket << " completed twice or never admitted";
    completed_[ticket - lowest_incomplete_] = true;
  }
  while (!completed_.empty() && completed_.front()) {
    completed_.pop_front();
    ++lowest_incomplete_;
  }
  if (waiters_ > 0) changed_.notify_all();
}

uint64_t ProducerGate::last_ticket() const {
  std::lock_guard lock(mu_);
  return last_ticket_;
}

bool ProducerGate::AwaitCompleted(uint64_t ticket, absl::Duration timeout) const {
  std::unique_lock lock(mu_);
  return WaitFor(lock, changed_, waiters_, timeout, [this, ticket] { return lowest_incomplete_ > ticket; });
}

void ProducerGate::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

size_t ProducerGate::used_bytes() const {
  std::lock_guard lock(mu_);
  return used_bytes_;
}

}  // namespace cairn::client
