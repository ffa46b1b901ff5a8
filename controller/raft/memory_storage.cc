// In-memory Storage; see memory_storage.h.
#include "controller/raft/memory_storage.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace cairn::raft {

MemoryStorage::MemoryStorage(ConfState conf_state) {
  snapshot_.metadata.conf_state = std::move(conf_state);
  entries_.push_back(Entry{});  // placeholder for index 0, term 0
}

absl::StatusOr<InitialState> MemoryStorage::GetInitialState() const {
  return InitialState{hard_state_, snapshot_.metadata.conf_state};
}

LogIndex MemoryStorage::FirstIndex() const { return snapshot_index() + 1; }

LogIndex MemoryStorage::LastIndex() const { return snapshot_index() + (entries_.size() - 1); }

absl::StatusOr<Term> MemoryStorage::TermAt(LogIndex index) const {
  if (index < snapshot_index()) return CompactedError();
  if (index > LastIndex()) return LogUnavailableError();
  return entries_[index.value() - snapshot_index().value()].term;
}

absl::StatusOr<std::vector<Entry>> MemoryStorage::Entries(LogIndex lo, LogIndex hi,
                                                          uint64_t max_bytes) const {
  if (lo <= snapshot_index()) return CompactedError();
  CAIRN_CHECK(hi <= LastIndex() + 1) << "entries [" << lo << ", " << hi << ") past last index "
                                     << LastIndex();
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (LogIndex i = lo; i < hi; i = i + 1) {
    const Entry& entry = entries_[i.value() - snapshot_index().value()];
    bytes += EntryBytes(entry);
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(entry);
  }
  return out;
}

absl::StatusOr<Snapshot> MemoryStorage::GetSnapshot() const { return snapshot_; }

void MemoryStorage::SetHardState(const HardState& hard_state) { hard_state_ = hard_state; }

void MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const LogIndex first = entries.front().index;
  CAIRN_CHECK(first <= LastIndex() + 1) << "gap: appending " << first << " after " << LastIndex();
  // Skip what the snapshot already covers: those entries are committed, so
  // they equal what was compacted.
  size_t skip = 0;
  while (skip < entries.size() && entries[skip].index <= snapshot_index()) ++skip;
  if (skip == entries.size()) return;
  const uint64_t keep = entries[skip].index.value() - snapshot_index().value();
  entries_.resize(keep);  // drops the conflicting suffix, if any
  entries_.insert(entries_.end(), entries.begin() + static_cast<ptrdiff_t>(skip), entries.end());
}

absl::Status MemoryStorage::ApplySnapshot(Snapshot snapshot) {
  if (snapshot.metadata.index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot at ", snapshot.metadata.index.value(),
                                                      " is not newer than ",
                                                      snapshot_.metadata.index.value()));
  }
  entries_.assign(1, Entry{snapshot.metadata.term, snapshot.metadata.index, EntryType::kNormal, {}});
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

absl::Status MemoryStorage::CreateSnapshot(LogIndex index, const ConfState& conf_state,
                                           Buffer data) {
  if (index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot at ", index.value(),
                                                      " is not newer than ",
                                                      snapshot_.metadata.index.value()));
  }
  CAIRN_CHECK(index <= LastIndex()) << "snapshot at " << index << " past last index " << LastIndex();
  CAIRN_CHECK(index >= snapshot_index()) << "snapshot at compacted index " << index;
  snapshot_.metadata.index = index;
  snapshot_.metadata.term = entries_[index.value() - snapshot_index().value()].term;
  snapshot_.metadata.conf_state = conf_state;
  snapshot_.data = std::move(data);
  return absl::OkStatus();
}

absl::Status MemoryStorage::Compact(LogIndex index) {
  if (index <= snapshot_index()) return absl::OkStatus();  // already compacted
  if (index > snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat("compacting to ", index.value(),
                                                      " would pass the snapshot at ",
                                                      snapshot_.metadata.index.value()));
  }
  const uint64_t drop = index.value() - snapshot_index().value();
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(drop));
  // Now only the placeholder for (index, term).
  entries_.front() = Entry{entries_.front().term, entries_.front().index, EntryType::kNormal, {}, {}};
  return absl::OkStatus();
}

}  // namespace cairn::raft
