#include "client/producer_inbox.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace cairn::client {

bool ProducerInbox::NeedsWake() const {
  return !wake_pending_ && !records_.empty() && (earliest_due_ms_ < take_by_ms_ || bytes_ >= wake_bytes_);
}

ProducerInbox::PushResult ProducerInbox::Push(OutgoingRecord&& record, int64_t due_ms) {
  std::lock_guard lock(mu_);
  if (closed_) return PushResult::kClosed;
  bytes_ += record.record.reserved_bytes;
  earliest_due_ms_ = std::min(earliest_due_ms_, due_ms);
  records_.push_back(std::move(record));
  if (!NeedsWake()) return PushResult::kQueued;
  wake_pending_ = true;
  ++wakes_requested_;
  return PushResult::kQueuedWake;
}

void ProducerInbox::TakeAllLocked(std::vector<OutgoingRecord>& out) {
  if (out.empty()) {
    out.swap(records_);  // keeps out's capacity here for the next records
  } else {
    std::move(records_.begin(), records_.end(), std::back_inserter(out));
    records_.clear();
  }
  bytes_ = 0;
  earliest_due_ms_ = INT64_MAX;
  wake_pending_ = false;
}

void ProducerInbox::TakeAll(std::vector<OutgoingRecord>& out) {
  std::lock_guard lock(mu_);
  TakeAllLocked(out);
}

void ProducerInbox::Close(std::vector<OutgoingRecord>& out) {
  std::lock_guard lock(mu_);
  TakeAllLocked(out);
  closed_ = true;
}

bool ProducerInbox::Promise(int64_t take_by_ms) {
  std::lock_guard lock(mu_);
  take_by_ms_ = take_by_ms;
  if (!NeedsWake()) return false;
  wake_pending_ = true;
  ++wakes_requested_;
  return true;
}

uint64_t ProducerInbox::wakes_requested() const {
  std::lock_guard lock(mu_);
  return wakes_requested_;
}

}  // namespace cairn::client
