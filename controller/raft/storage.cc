// The two expected Storage errors, distinguishable by code.
#include "controller/raft/storage.h"

namespace cairn::raft {

absl::Status CompactedError() {
  return absl::OutOfRangeError("raft log position compacted into a snapshot");
}

bool IsCompacted(const absl::Status& status) { return absl::IsOutOfRange(status); }

absl::Status LogUnavailableError() {
  return absl::UnavailableError("raft log position not available");
}

bool IsLogUnavailable(const absl::Status& status) { return absl::IsUnavailable(status); }

}  // namespace cairn::raft
