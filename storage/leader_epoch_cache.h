// Which leader epoch wrote which offsets: a list of (epoch, start offset) in
// increasing order of both, persisted as leader-epoch-checkpoint. Followers use
// it to find where their log diverges from the leader's (KIP-101/279).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/ids.h"

namespace cairn::storage {

class LeaderEpochCache {
 public:
  struct Entry {
    int32_t epoch;
    int64_t start_offset;
    bool operator==(const Entry&) const = default;
  };

  // Records that `epoch` begins at `start_offset`. Returns true if the cache
  // changed (a new epoch) so the caller persists it. Older epochs than the
  // latest are ignored (they arrive only in replicated history).
  bool Assign(int32_t epoch, int64_t start_offset);
  // Removes entries starting at or after `end_offset` (log truncated there).
  bool TruncateFromEnd(int64_t end_offset);
  // Drops epochs wholly before `start_offset`, clamping the first one.
  bool TruncateFromStart(int64_t start_offset);
  // OffsetForLeaderEpoch: the largest epoch <= requested and the offset where
  // the next higher epoch starts (or log_end_offset for the latest).
  // nullopt when the requested epoch precedes everything known.
  std::optional<std::pair<int32_t, int64_t>> EndOffsetFor(int32_t epoch, int64_t log_end_offset) const;
  std::optional<int32_t> latest_epoch() const;

  const std::vector<Entry>& entries() const { return entries_; }
  void Replace(std::vector<Entry> entries) { entries_ = std::move(entries); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace cairn::storage
