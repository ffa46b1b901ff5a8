#include "broker/fetch_waiters.h"

namespace cairn::broker {

void FetchWaiters::Watch(const TopicPartition& tp, Wake wake) {
  std::deque<Wake>& waiting = waiters_[tp];
  if (waiting.size() >= kMaxWaitersPerPartition) waiting.pop_front();
  waiting.push_back(std::move(wake));
}

void FetchWaiters::Notify(const TopicPartition& tp) {
  auto it = waiters_.find(tp);
  if (it == waiters_.end()) return;
  std::deque<Wake> waking = std::move(it->second);
  waiters_.erase(it);
  for (Wake& wake : waking) std::move(wake)();
}

size_t FetchWaiters::size() const {
  size_t total = 0;
  for (const auto& [tp, waiting] : waiters_) total += waiting.size();
  return total;
}

}  // namespace cairn::broker
