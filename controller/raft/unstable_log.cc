// The not-yet-persisted tail of the Raft log; see unstable_log.h.
#include "controller/raft/unstable_log.h"

#include <utility>

#include "common/check.h"

namespace cairn::raft {

std::optional<LogIndex> UnstableLog::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->metadata.index + 1;
  return std::nullopt;
}

std::optional<LogIndex> UnstableLog::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + (entries_.size() - 1);
  if (snapshot_) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<Term> UnstableLog::MaybeTerm(LogIndex index) const {
  if (index < offset_) {
    if (snapshot_ && snapshot_->metadata.index == index) return snapshot_->metadata.term;
    return std::nullopt;
  }
  const uint64_t pos = index.value() - offset_.value();
  if (pos >= entries_.size()) return std::nullopt;
  return entries_[pos].term;
}

void UnstableLog::TruncateAndAppend(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const LogIndex after = entries.front().index;
  if (after == offset_ + entries_.size()) {
    // The common case: directly after what we hold.
  } else if (after <= offset_) {
    // Replaces everything unstable; the application truncates its storage
    // when it persists these entries.
    offset_ = after;
    entries_.clear();
  } else {
    CAIRN_CHECK(after < offset_ + entries_.size()) << "gap: appending " << after << " after "
                                                   << offset_ + entries_.size();
    entries_.resize(after.value() - offset_.value());
  }
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

void UnstableLog::Restore(Snapshot snapshot) {
  offset_ = snapshot.metadata.index + 1;
  entries_.clear();
  snapshot_ = std::move(snapshot);
}

void UnstableLog::StableTo(LogIndex index, Term term) {
  const std::optional<Term> held = MaybeTerm(index);
  // A different term means the entry was replaced after the Ready was taken;
  // the newer entry is still unstable.
  if (!held || *held != term || index < offset_) return;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(index.value() -
                                                                           offset_.value() + 1));
  offset_ = index + 1;
}

void UnstableLog::StableSnapshotTo(LogIndex index) {
  if (snapshot_ && snapshot_->metadata.index == index) snapshot_.reset();
}

std::vector<Entry> UnstableLog::Slice(LogIndex lo, LogIndex hi) const {
  CAIRN_CHECK(lo >= offset_) << "unstable slice from " << lo << " before offset " << offset_;
  CAIRN_CHECK(hi <= offset_ + entries_.size()) << "unstable slice to " << hi << " past the end";
  CAIRN_CHECK(lo <= hi) << "unstable slice [" << lo << ", " << hi << ")";
  return std::vector<Entry>(entries_.begin() + static_cast<ptrdiff_t>(lo.value() - offset_.value()),
                            entries_.begin() + static_cast<ptrdiff_t>(hi.value() - offset_.value()));
}

}  // namespace cairn::raft
