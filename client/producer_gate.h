// The one piece of Producer state shared between application threads and the
// io thread: buffer.memory accounting (Send blocks up to max.block.ms while
// the cap is reached, then fails with ResourceExhausted) and the tickets
// Flush waits on (every record sent before Flush has completed).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cairn::client {

class ProducerGate {
 public:
  explicit ProducerGate(size_t buffer_memory) : capacity_bytes_(buffer_memory) {}

  // Reserves `bytes` and returns the record's ticket. Waits up to `max_block`
  // while the reservation would pass the cap (a record bigger than the whole
  // cap is admitted when nothing else is held, so it cannot wait forever).
  // ResourceExhausted after the wait, FailedPrecondition once closed.
  absl::StatusOr<uint64_t> Admit(size_t bytes, absl::Duration max_block);
  // The record with `ticket` completed (acknowledged or failed).
  void Complete(uint64_t ticket, size_t bytes);
  // The records with `tickets`, holding `bytes` in all, completed: one lock
  // and at most one wake of a blocked Admit for a whole batch.
  void CompleteAll(std::span<const uint64_t> tickets, size_t bytes);
  // The last ticket handed out (0 before the first).
  uint64_t last_ticket() const;
  // Waits until every ticket up to `ticket` completed; false on timeout.
  bool AwaitCompleted(uint64_t ticket, absl::Duration timeout) const;
  // Wakes blocked Admit calls, which then fail; later ones fail at once.
  void Close();
  size_t used_bytes() const;

 private:
  const size_t capacity_bytes_;
  // std::mutex rather than absl::Mutex, taken once per record: Debian's
  // Abseil is built with absl::Mutex's deadlock detection on, which tripled
  // the cost of an uncontended lock and serialised every lock in the
  // process on one global graph (docs/benchmarks.md, "The producer's
  // buffer gate").
  mutable std::mutex mu_;
  // Signalled when memory or tickets are released, and on Close; only
  // when someone waits (waiters_).
  mutable std::condition_variable changed_;
  mutable int waiters_ = 0;  // guarded by mu_
  size_t used_bytes_ = 0;  // guarded by mu_
  uint64_t last_ticket_ = 0;  // guarded by mu_
  // Whether each ticket from lowest_incomplete_ to last_ticket_ has completed:
  // completing one is O(1), and the front is dropped as it completes, so the
  // window spans only the records still held. (An ordered set of incomplete
  // tickets cost a tree erase per record under the lock that Admit takes.)
  uint64_t lowest_incomplete_ = 1;  // guarded by mu_
  std::deque<bool> completed_;  // guarded by mu_
  bool closed_ = false;  // guarded by mu_
};

}  // namespace cairn::client
