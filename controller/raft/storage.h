// The durable log the Raft core reads (in the style of etcd's Storage): what
// the application has persisted from earlier Readys. The core never writes
// it; the application appends Ready entries, stores hard state and snapshots,
// and compacts it.
//
// Contract on errors: reads of compacted positions return CompactedError()
// and reads past the last index LogUnavailableError(); the core handles both.
// Any other error means the node can no longer trust its own log, and the
// core stops with a check failure (the node must restart and recover).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/raft/types.h"

namespace cairn::raft {

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual absl::StatusOr<InitialState> GetInitialState() const = 0;
  // Entries [lo, hi): at least one when lo < hi, then more while the total
  // stays within max_bytes. Requires hi <= LastIndex() + 1.
  virtual absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                                     uint64_t max_bytes) const = 0;
  // Term of the entry at `index`, for FirstIndex() - 1 (the snapshot's last
  // entry) through LastIndex().
  virtual absl::StatusOr<Term> TermAt(LogIndex index) const = 0;
  // First index still held as an entry: the snapshot index + 1.
  virtual LogIndex FirstIndex() const = 0;
  virtual LogIndex LastIndex() const = 0;
  // The most recent snapshot; LogUnavailableError() while none can be served yet.
  virtual absl::StatusOr<Snapshot> GetSnapshot() const = 0;
};

absl::Status CompactedError();
bool IsCompacted(const absl::Status& status);
absl::Status LogUnavailableError();
bool IsLogUnavailable(const absl::Status& status);

}  // namespace cairn::raft
