// MemoryStorage: the log a node has made durable, with snapshot and compaction.
#include "controller/raft/memory_storage.h"

#include <doctest/doctest.h>

namespace cairn::raft {
namespace {

Entry E(uint64_t index, uint64_t term) { return Entry{Term(term), LogIndex(index), EntryType::kNormal, {}}; }

ConfState ThreeVoters() { return ConfState{{NodeId(1), NodeId(2), NodeId(3)}, {}}; }

TEST_CASE("MemoryStorage: a fresh log is empty with term 0 at index 0") {
  MemoryStorage storage(ThreeVoters());
  CHECK(storage.FirstIndex() == LogIndex(1));
  CHECK(storage.LastIndex() == LogIndex(0));
  CHECK(*storage.TermAt(LogIndex(0)) == Term(0));
  CHECK(IsLogUnavailable(storage.TermAt(LogIndex(1)).status()));
  CHECK(storage.GetInitialState()->conf_state == ThreeVoters());
}

TEST_CASE("MemoryStorage: append replaces a conflicting suffix") {
  MemoryStorage storage(ThreeVoters());
  storage.Append({E(1, 1), E(2, 1), E(3, 1)});
  storage.Append({E(2, 2)});
  CHECK(storage.LastIndex() == LogIndex(2));
  CHECK(*storage.TermAt(LogIndex(2)) == Term(2));
  CHECK(*storage.TermAt(LogIndex(1)) == Term(1));
}

TEST_CASE("MemoryStorage: entries stop at the byte limit but return at least one") {
  MemoryStorage storage(ThreeVoters());
  storage.Append({E(1, 1), E(2, 1), E(3, 1)});
  CHECK(storage.Entries(LogIndex(1), LogIndex(4), 0)->size() == 1);
  CHECK(storage.Entries(LogIndex(1), LogIndex(4), 2 * EntryBytes(E(1, 1)))->size() == 2);
  CHECK(storage.Entries(LogIndex(1), LogIndex(4), UINT64_MAX)->size() == 3);
}

TEST_CASE("MemoryStorage: compaction keeps the term of the last compacted entry") {
  MemoryStorage storage(ThreeVoters());
  storage.Append({E(1, 1), E(2, 1), E(3, 2), E(4, 2)});
  REQUIRE(storage.CreateSnapshot(LogIndex(3), ThreeVoters(), Buffer{7}).ok());
  REQUIRE(storage.Compact(LogIndex(3)).ok());
  CHECK(storage.FirstIndex() == LogIndex(4));
  CHECK(*storage.TermAt(LogIndex(3)) == Term(2));
  CHECK(IsCompacted(storage.TermAt(LogIndex(2)).status()));
  CHECK(IsCompacted(storage.Entries(LogIndex(3), LogIndex(5), UINT64_MAX).status()));
  const Snapshot snapshot = *storage.GetSnapshot();
  CHECK(snapshot.metadata.index == LogIndex(3));
  CHECK(snapshot.metadata.term == Term(2));
  CHECK(snapshot.data == Buffer{7});
}

TEST_CASE("MemoryStorage: compaction may not pass the snapshot") {
  MemoryStorage storage(ThreeVoters());
  storage.Append({E(1, 1), E(2, 1), E(3, 1)});
  REQUIRE(storage.CreateSnapshot(LogIndex(1), ThreeVoters(), {}).ok());
  CHECK(absl::IsFailedPrecondition(storage.Compact(LogIndex(2))));
  CHECK(storage.Compact(LogIndex(1)).ok());
}

TEST_CASE("MemoryStorage: an older snapshot is refused, a newer one replaces the log") {
  MemoryStorage storage(ThreeVoters());
  storage.Append({E(1, 1), E(2, 1), E(3, 1)});
  REQUIRE(storage.CreateSnapshot(LogIndex(2), ThreeVoters(), {}).ok());
  Snapshot older{SnapshotMetadata{LogIndex(2), Term(1), ThreeVoters()}, {}};
  CHECK(absl::IsFailedPrecondition(storage.ApplySnapshot(older)));
  Snapshot newer{SnapshotMetadata{LogIndex(10), Term(3), ThreeVoters()}, {}};
  REQUIRE(storage.ApplySnapshot(newer).ok());
  CHECK(storage.FirstIndex() == LogIndex(11));
  CHECK(storage.LastIndex() == LogIndex(10));
  CHECK(*storage.TermAt(LogIndex(10)) == Term(3));
}

}  // namespace
}  // namespace cairn::raft
