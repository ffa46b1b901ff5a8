// The Raft log over Storage plus the unstable tail; see raft_log.h.
#include "controller/raft/raft_log.h"

#include <algorithm>
#include <utility>

#include "common/check.h"

namespace cairn::raft {

RaftLog::RaftLog(const Storage* storage, uint64_t max_committed_bytes_per_ready)
    : storage_(storage),
      unstable_(storage->LastIndex() + 1),
      committed_(storage->FirstIndex() - 1),
      applied_(storage->FirstIndex() - 1),
      max_committed_bytes_per_ready_(max_committed_bytes_per_ready) {}

LogIndex RaftLog::FirstIndex() const {
  if (auto first = unstable_.MaybeFirstIndex()) return *first;
  return storage_->FirstIndex();
}

LogIndex RaftLog::LastIndex() const {
  if (auto last = unstable_.MaybeLastIndex()) return *last;
  return storage_->LastIndex();
}

Term RaftLog::LastTerm() const {
  absl::StatusOr<Term> term = TermAt(LastIndex());
  CAIRN_CHECK(term.ok()) << "term of the last entry: " << term.status();
  return *term;
}

absl::StatusOr<Term> RaftLog::TermAt(LogIndex index) const {
  // The entry before the first one is the snapshot's, whose term is kept.
  if (index < FirstIndex() - 1) return CompactedError();
  if (index > LastIndex()) return LogUnavailableError();
  if (auto term = unstable_.MaybeTerm(index)) return *term;
  absl::StatusOr<Term> term = storage_->TermAt(index);
  CAIRN_CHECK(term.ok() || IsCompacted(term.status()) || IsLogUnavailable(term.status()))
      << "storage term at " << index << ": " << term.status();
  return term;
}

Term RaftLog::TermOrZero(LogIndex index) const {
  absl::StatusOr<Term> term = TermAt(index);
  return term.ok() ? *term : Term(0);
}

bool RaftLog::MatchTerm(LogIndex index, Term term) const {
  absl::StatusOr<Term> held = TermAt(index);
  return held.ok() && *held == term;
}

bool RaftLog::IsUpToDate(LogIndex last_index, Term last_term) const {
  const Term our_last_term = LastTerm();
  return last_term > our_last_term || (last_term == our_last_term && last_index >= LastIndex());
}

absl::StatusOr<std::vector<Entry>> RaftLog::Slice(LogIndex lo, LogIndex hi,
                                                  uint64_t max_bytes) const {
  CAIRN_CHECK(lo <= hi) << "slice [" << lo << ", " << hi << ")";
  CAIRN_CHECK(hi <= LastIndex() + 1) << "slice to " << hi << " past last " << LastIndex();
  if (lo < FirstIndex()) return CompactedError();
  std::vector<Entry> out;
  if (lo == hi) return out;
  uint64_t bytes = 0;
  const LogIndex unstable_from = unstable_.offset();
  if (lo < unstable_from) {
    const LogIndex stored_hi = std::min(hi, unstable_from);
    absl::StatusOr<std::vector<Entry>> stored = storage_->Entries(lo, stored_hi, max_bytes);
    if (!stored.ok()) {
      CAIRN_CHECK(IsCompacted(stored.status())) << "storage entries: " << stored.status();
      return stored.status();
    }
    out = std::move(*stored);
    // Storage stopped early at the byte limit: do not skip ahead.
    if (out.empty() || out.back().index + 1 < stored_hi) return out;
    for (const Entry& entry : out) bytes += EntryBytes(entry);
  }
  const LogIndex from = std::max(lo, unstable_from);
  if (from < hi) {
    for (Entry& entry : unstable_.Slice(from, hi)) {
      bytes += EntryBytes(entry);
      if (!out.empty() && bytes > max_bytes) break;
      out.push_back(std::move(entry));
    }
  }
  return out;
}

std::optional<size_t> RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!MatchTerm(entries[i].index, entries[i].term)) return i;
  }
  return std::nullopt;
}

std::optional<LogIndex> RaftLog::MaybeAppend(LogIndex prev_index, Term prev_term, LogIndex commit,
                                             const std::vector<Entry>& entries) {
  if (!MatchTerm(prev_index, prev_term)) return std::nullopt;
  const LogIndex last_new = prev_index + entries.size();
  if (std::optional<size_t> conflict = FindConflict(entries)) {
    // Entries we already hold with the same term are skipped: a delayed,
    // shorter Append must not truncate what a later one added.
    const std::vector<Entry> suffix(entries.begin() + static_cast<ptrdiff_t>(*conflict),
                                    entries.end());
    Append(suffix);
  }
  CommitTo(std::min(commit, last_new));
  return last_new;
}

void RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  CAIRN_CHECK(entries.front().index > committed_)
      << "appending at " << entries.front().index << " would overwrite committed " << committed_;
  unstable_.TruncateAndAppend(entries);
}

ConflictHint RaftLog::ConflictHintAt(LogIndex rejected) const {
  if (rejected > LastIndex()) return ConflictHint{Term(0), LastIndex() + 1};
  const Term term = TermOrZero(rejected);
  // Entries up to the commit index match every future leader, so the search
  // for the first entry of the conflicting term stops after it.
  LogIndex first = rejected;
  while (first - 1 > committed_ && TermOrZero(first - 1) == term) first = first - 1;
  return ConflictHint{term, first};
}

std::optional<LogIndex> RaftLog::LastIndexOfTerm(Term term, LogIndex at_or_before) const {
  for (LogIndex i = std::min(at_or_before, LastIndex()); i >= FirstIndex(); i = i - 1) {
    const Term held = TermOrZero(i);
    if (held == term) return i;
    if (held < term) return std::nullopt;  // terms only grow along the log
  }
  return std::nullopt;
}

bool RaftLog::MaybeCommit(LogIndex index, Term term) {
  if (index > committed_ && TermOrZero(index) == term) {
    CommitTo(index);
    return true;
  }
  return false;
}

void RaftLog::CommitTo(LogIndex index) {
  if (index <= committed_) return;  // the commit index never goes back
  CAIRN_CHECK(index <= LastIndex()) << "commit " << index << " past last index " << LastIndex();
  committed_ = index;
}

void RaftLog::AppliedTo(LogIndex index) {
  CAIRN_CHECK(index <= committed_) << "applied " << index << " past committed " << committed_;
  CAIRN_CHECK(index >= applied_) << "applied " << index << " before " << applied_;
  applied_ = index;
}

void RaftLog::Restore(Snapshot snapshot) {
  CAIRN_CHECK(snapshot.metadata.index > committed_) << "snapshot at committed index";
  committed_ = snapshot.metadata.index;
  unstable_.Restore(std::move(snapshot));
}

bool RaftLog::HasNextCommittedEntries() const {
  return std::max(applied_ + 1, FirstIndex()) <= committed_;
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  const LogIndex lo = std::max(applied_ + 1, FirstIndex());
  if (lo > committed_) return {};
  absl::StatusOr<std::vector<Entry>> entries = Slice(lo, committed_ + 1,
                                                     max_committed_bytes_per_ready_);
  CAIRN_CHECK(entries.ok()) << "committed entries: " << entries.status();
  return std::move(*entries);
}

}  // namespace cairn::raft
