#include "client/spare_buffers.h"

#include <utility>

#include "common/record_batch.h"

namespace cairn::client {

Buffer SpareBuffers::Take() {
  std::lock_guard lock(mu_);
  if (buffers_.empty()) return {};
  Buffer buffer = std::move(buffers_.back());
  buffers_.pop_back();
  buffer.clear();
  return buffer;
}

void SpareBuffers::Keep(Buffer buffer, size_t batch_size) {
  std::lock_guard lock(mu_);
  if (buffers_.size() < kMaxCount && buffer.capacity() <= 2 * batch_size + kBatchHeaderBytes) {
    buffers_.push_back(std::move(buffer));
  }
}

size_t SpareBuffers::count() const {
  std::lock_guard lock(mu_);
  return buffers_.size();
}

}  // namespace cairn::client
