#include "client/producer_gate.h"

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace cairn::client {

absl::StatusOr<uint64_t> ProducerGate::Admit(size_t bytes, absl::Duration max_block) {
  absl::MutexLock lock(&mu_);
  auto fits = [this, bytes]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return closed_ || used_bytes_ == 0 || used_bytes_ + bytes <= capacity_bytes_;
  };
  // Tested before waiting: AwaitWithTimeout reads the clock for its deadline
  // even when the condition already holds, once per record.
  if (!fits() && !mu_.AwaitWithTimeout(absl::Condition(&fits), max_block)) {
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
  absl::MutexLock lock(&mu_);
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
}

uint64_t ProducerGate::last_ticket() const {
  absl::MutexLock lock(&mu_);
  return last_ticket_;
}

bool ProducerGate::AwaitCompleted(uint64_t ticket, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, ticket]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return lowest_incomplete_ > ticket;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void ProducerGate::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

size_t ProducerGate::used_bytes() const {
  absl::MutexLock lock(&mu_);
  return used_bytes_;
}

}  // namespace cairn::client
