// RaftLog: storage plus the unstable tail, commit rules and conflict hints.
#include "controller/raft/raft_log.h"

#include <doctest/doctest.h>

#include "controller/raft/memory_storage.h"

namespace cairn::raft {
namespace {

Entry E(uint64_t index, uint64_t term) { return Entry{Term(term), LogIndex(index), EntryType::kNormal, {}}; }

struct Fixture {
  Fixture() : storage(ConfState{{NodeId(1)}, {}}), log(&storage, UINT64_MAX) {}
  MemoryStorage storage;
  RaftLog log;
};

TEST_CASE("RaftLog: unstable entries shadow stored ones and become stable on StableTo") {
  Fixture f;
  f.storage.Append({E(1, 1), E(2, 1)});
  RaftLog log(&f.storage, UINT64_MAX);
  log.Append({E(2, 2), E(3, 2)});  // replaces stored 2@t1
  CHECK(log.LastIndex() == LogIndex(3));
  CHECK(log.TermOrZero(LogIndex(2)) == Term(2));
  CHECK(log.UnstableEntries().size() == 2);
  f.storage.Append(log.UnstableEntries());
  log.StableTo(LogIndex(3), Term(2));
  CHECK(log.UnstableEntries().empty());
  CHECK(log.TermOrZero(LogIndex(2)) == Term(2));
}

TEST_CASE("RaftLog: MaybeAppend skips entries it already holds instead of truncating") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 1), E(3, 1)});
  // A delayed, shorter Append with the same entries must not drop 3@t1.
  REQUIRE(f.log.MaybeAppend(LogIndex(0), Term(0), LogIndex(0), {E(1, 1)}) == LogIndex(1));
  CHECK(f.log.LastIndex() == LogIndex(3));
}

TEST_CASE("RaftLog: MaybeAppend refuses a mismatched predecessor and commits only what matched") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 1)});
  CHECK_FALSE(f.log.MaybeAppend(LogIndex(2), Term(2), LogIndex(2), {E(3, 2)}).has_value());
  REQUIRE(f.log.MaybeAppend(LogIndex(1), Term(1), LogIndex(5), {E(2, 2)}) == LogIndex(2));
  CHECK(f.log.committed() == LogIndex(2));  // min(leader commit, last new index)
  CHECK(f.log.TermOrZero(LogIndex(2)) == Term(2));
}

TEST_CASE("RaftLog: a leader commits by counting only entries of its own term") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 1), E(3, 2)});
  CHECK_FALSE(f.log.MaybeCommit(LogIndex(2), Term(2)));  // 2 holds term 1
  CHECK(f.log.committed() == LogIndex(0));
  CHECK(f.log.MaybeCommit(LogIndex(3), Term(2)));
  CHECK(f.log.committed() == LogIndex(3));
}

TEST_CASE("RaftLog: the conflict hint names the term and its first uncommitted index") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 2), E(3, 2), E(4, 2), E(5, 3)});
  f.log.CommitTo(LogIndex(2));
  ConflictHint hint = f.log.ConflictHintAt(LogIndex(4));
  CHECK(hint.term == Term(2));
  CHECK(hint.first_index == LogIndex(3));  // 2@t2 is committed, so it matches
  hint = f.log.ConflictHintAt(LogIndex(9));
  CHECK(hint.term == Term(0));
  CHECK(hint.first_index == LogIndex(6));
}

TEST_CASE("RaftLog: the leader finds its last entry of a term at or before an index") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 1), E(3, 3), E(4, 3), E(5, 4)});
  CHECK(f.log.LastIndexOfTerm(Term(1), LogIndex(5)) == LogIndex(2));
  CHECK(f.log.LastIndexOfTerm(Term(3), LogIndex(5)) == LogIndex(4));
  CHECK(f.log.LastIndexOfTerm(Term(3), LogIndex(3)) == LogIndex(3));
  CHECK_FALSE(f.log.LastIndexOfTerm(Term(2), LogIndex(5)).has_value());
}

TEST_CASE("RaftLog: up-to-date compares last term first, then last index (§5.4.1)") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 2), E(3, 2)});
  CHECK(f.log.IsUpToDate(LogIndex(1), Term(3)));
  CHECK(f.log.IsUpToDate(LogIndex(3), Term(2)));
  CHECK_FALSE(f.log.IsUpToDate(LogIndex(2), Term(2)));
  CHECK_FALSE(f.log.IsUpToDate(LogIndex(9), Term(1)));
}

TEST_CASE("RaftLog: committed entries come out once, in order, within the byte limit") {
  MemoryStorage storage(ConfState{{NodeId(1)}, {}});
  RaftLog log(&storage, EntryBytes(E(1, 1)));  // one entry per Ready
  log.Append({E(1, 1), E(2, 1)});
  log.CommitTo(LogIndex(2));
  std::vector<Entry> first = log.NextCommittedEntries();
  REQUIRE(first.size() == 1);
  CHECK(first[0].index == LogIndex(1));
  log.AppliedTo(LogIndex(1));
  std::vector<Entry> second = log.NextCommittedEntries();
  REQUIRE(second.size() == 1);
  CHECK(second[0].index == LogIndex(2));
  log.AppliedTo(LogIndex(2));
  CHECK_FALSE(log.HasNextCommittedEntries());
}

TEST_CASE("RaftLog: restoring a snapshot commits it and empties the log") {
  Fixture f;
  f.log.Append({E(1, 1), E(2, 1)});
  f.log.Restore(Snapshot{SnapshotMetadata{LogIndex(10), Term(3), ConfState{{NodeId(1)}, {}}}, {}});
  CHECK(f.log.committed() == LogIndex(10));
  CHECK(f.log.FirstIndex() == LogIndex(11));
  CHECK(f.log.LastIndex() == LogIndex(10));
  CHECK(f.log.LastTerm() == Term(3));
  CHECK(IsCompacted(f.log.Slice(LogIndex(2), LogIndex(3), UINT64_MAX).status()));
  CHECK_FALSE(f.log.HasNextCommittedEntries());  // the snapshot is applied as a whole
}

}  // namespace
}  // namespace cairn::raft
