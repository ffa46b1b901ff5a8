#include "storage/leader_epoch_cache.h"

namespace cairn::storage {

bool LeaderEpochCache::Assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0) return false;
  if (!entries_.empty() && epoch <= entries_.back().epoch) return false;
  while (!entries_.empty() && entries_.back().start_offset >= start_offset) entries_.pop_back();
  entries_.push_back({epoch, start_offset});
  return true;
}

bool LeaderEpochCache::TruncateFromEnd(int64_t end_offset) {
  bool changed = false;
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) {
    entries_.pop_back();
    changed = true;
  }
  return changed;
}

bool LeaderEpochCache::TruncateFromStart(int64_t start_offset) {
  bool changed = false;
  // Keep the last epoch that starts at or before start_offset, clamped.
  while (entries_.size() >= 2 && entries_[1].start_offset <= start_offset) {
    entries_.erase(entries_.begin());
    changed = true;
  }
  if (!entries_.empty() && entries_.front().start_offset < start_offset) {
    entries_.front().start_offset = start_offset;
    changed = true;
  }
  return changed;
}

std::optional<std::pair<int32_t, int64_t>> LeaderEpochCache::EndOffsetFor(int32_t epoch,
                                                                          int64_t log_end_offset) const {
  for (size_t i = entries_.size(); i-- > 0;) {
    if (entries_[i].epoch <= epoch) {
      int64_t end = i + 1 < entries_.size() ? entries_[i + 1].start_offset : log_end_offset;
      return std::make_pair(entries_[i].epoch, end);
    }
  }
  return std::nullopt;
}

std::optional<int32_t> LeaderEpochCache::latest_epoch() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back().epoch;
}

}  // namespace cairn::storage
