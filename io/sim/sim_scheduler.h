// A single-threaded, deterministic event queue for simulated I/O completions.
// Tasks run in the order they were posted, unless reordering is enabled, in
// which case the seeded generator picks which ready task runs next.
#pragma once

#include <cstdint>
#include <deque>
#include <random>

#include "absl/functional/any_invocable.h"

namespace cairn::io::sim {

class SimScheduler {
 public:
  explicit SimScheduler(uint64_t seed = 1) : random_(seed) {}

  void Post(absl::AnyInvocable<void() &&> task);
  // Runs one queued task; false when the queue was empty.
  bool RunOne();
  // Runs until no task is queued (tasks may post more). Returns tasks run.
  size_t RunUntilIdle();
  size_t pending() const { return queue_.size(); }
  // When on, RunOne picks a random queued task (completions out of order).
  void set_reorder(bool reorder) { reorder_ = reorder; }
  std::mt19937_64& random() { return random_; }

 private:
  std::deque<absl::AnyInvocable<void() &&>> queue_;
  std::mt19937_64 random_;
  bool reorder_ = false;
};

}  // namespace cairn::io::sim
