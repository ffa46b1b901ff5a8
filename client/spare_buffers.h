// Spent record-batch buffers kept for the producer's next batches: a fresh
// buffer of batch.size bytes per batch costs a page fault and a zeroed page
// every 4 KiB (measured in docs/benchmarks.md, "Cairn's own client in the
// comparison").
//
// Threading: thread-safe. The io thread takes and keeps buffers; a batch
// sent without copying it (client/sender.cc) comes back whenever the
// connection lets go of it, which at shutdown may be on another thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "common/bytes.h"

namespace cairn::client {

class SpareBuffers {
 public:
  // Buffers kept at most: enough for a request's worth of batches in turn.
  static constexpr size_t kMaxCount = 4;

  // An empty buffer, with the capacity of a kept one if there is one.
  Buffer Take();
  // Keeps `buffer` unless kMaxCount are kept or it is much larger than
  // `batch_size` (one oversized batch must not pin its memory for good).
  void Keep(Buffer buffer, size_t batch_size);

  size_t count() const;

 private:
  mutable std::mutex mu_;  // not absl::Mutex: see client/producer_gate.h
  std::vector<Buffer> buffers_;  // guarded by mu_
};

}  // namespace cairn::client
