// The deterministic event queue behind every simulated completion: FIFO by
// default, or a seeded random pick among queued tasks when reordering is on.
#include "io/sim/sim_scheduler.h"

#include <utility>

#include "common/check.h"

namespace cairn::io::sim {

void SimScheduler::Post(absl::AnyInvocable<void() &&> task) {
  CAIRN_CHECK(task != nullptr) << "posting an empty task";
  queue_.push_back(std::move(task));
}

bool SimScheduler::RunOne() {
  if (queue_.empty()) return false;
  size_t index = 0;
  if (reorder_) {
    // A plain modulo, unlike the std distributions, gives the same picks on
    // every standard library, so a seed reproduces everywhere.
    index = static_cast<size_t>(random_() % queue_.size());
  }
  // Move the task out before running it: it may post more, which can
  // reallocate the deque.
  absl::AnyInvocable<void() &&> task = std::move(queue_[index]);
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(index));
  std::move(task)();
  return true;
}

size_t SimScheduler::RunUntilIdle() {
  size_t ran = 0;
  while (RunOne()) ++ran;
  return ran;
}

}  // namespace cairn::io::sim
