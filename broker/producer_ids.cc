#include "broker/producer_ids.h"

#include <utility>

namespace cairn::broker {

void ProducerIdAllocator::Allocate(IdCallback done) {
  if (next_ < end_ && waiting_.empty()) {
    std::move(done)(next_++);
    return;
  }
  waiting_.push_back(std::move(done));
  RequestBlock();
}

void ProducerIdAllocator::RequestBlock() {
  if (requesting_) return;
  requesting_ = true;
  source_([this](absl::StatusOr<ProducerIdBlock> block) {
    requesting_ = false;
    std::deque<IdCallback> waiting = std::move(waiting_);
    waiting_.clear();
    if (!block.ok()) {
      for (IdCallback& done : waiting) std::move(done)(block.status());
      return;
    }
    next_ = block->start;
    end_ = block->start + block->count;
    while (!waiting.empty() && next_ < end_) {
      std::move(waiting.front())(next_++);
      waiting.pop_front();
    }
    if (waiting.empty()) return;
    // More callers than the block holds: they wait for the next one.
    for (IdCallback& done : waiting) waiting_.push_back(std::move(done));
    RequestBlock();
  });
}

}  // namespace cairn::broker
