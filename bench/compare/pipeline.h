// One producer connection to a system under comparison, as the load runner
// sees it: records go in with a sequence number, acknowledgements come back
// with the same number, in whatever order the system confirms them. Each
// system's driver implements it on its own client library.
//
// Threading: a Pipeline is used by one runner thread only; implementations
// whose library acknowledges on its own threads hand the numbers over
// internally.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cairn::bench::compare {

class Pipeline {
 public:
  virtual ~Pipeline() = default;

  // Queues record `seq` for sending; `record` is only valid during the call.
  // May stay in a client buffer until Flush.
  virtual absl::Status Send(uint64_t seq, std::string_view record) = 0;

  // Hands everything Send queued to the network (records are not held back
  // waiting for more).
  virtual absl::Status Flush() = 0;

  // Waits up to `timeout_us` for acknowledgements and calls on_ack(seq) for
  // each record the system has confirmed since the last call.
  virtual absl::Status Poll(int64_t timeout_us, const std::function<void(uint64_t)>& on_ack) = 0;
};

// Opens connection number `index` (0-based); called before the clock starts.
using PipelineFactory = std::function<absl::StatusOr<std::unique_ptr<Pipeline>>(int index)>;

}  // namespace cairn::bench::compare
