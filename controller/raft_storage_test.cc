// The durable Raft log on the simulated disk: what survives crashes, torn
// writes and bit flips, and what recovery refuses.
#include "controller/raft_storage.h"

#include <doctest/doctest.h>

#include <string>

#include "io/sim/sim_disk.h"
#include "io/sim/sim_scheduler.h"

namespace cairn::controller {

// Index arithmetic of the core (types.h), found by ADL only inside cairn::raft.
using raft::operator+;
using raft::operator-;
namespace {

using io::sim::SimDisk;
using raft::Entry;
using raft::HardState;
using raft::LogIndex;
using raft::NodeId;
using raft::Term;

const raft::ConfState kVoters{{NodeId(1), NodeId(2), NodeId(3)}, {}};
const std::string kDir = "/raft";

Entry MakeEntry(uint64_t term, uint64_t index, size_t size = 100) {
  Buffer data(size);
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(index * 7 + term * 13 + i);
  return Entry{Term(term), LogIndex(index), raft::EntryType::kNormal, std::move(data)};
}

std::vector<Entry> MakeEntries(uint64_t term, uint64_t first, uint64_t last) {
  std::vector<Entry> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(MakeEntry(term, i));
  return out;
}

struct Fixture {
  explicit Fixture(uint64_t seed = 1) : scheduler(seed), disk(&scheduler, seed) {}

  std::unique_ptr<RaftStorage> Open() {
    auto storage = RaftStorage::Open(disk, kDir, kVoters);
    REQUIRE_MESSAGE(storage.ok(), storage.status());
    return *std::move(storage);
  }
  // Persists and runs the disk until the callback has reported.
  void PersistSynced(RaftStorage& storage, std::vector<Entry> entries, std::optional<HardState> hs) {
    absl::Status result = absl::UnknownError("not done");
    REQUIRE(storage.Persist(std::nullopt, std::move(entries), hs, [&](absl::Status s) { result = s; }).ok());
    scheduler.RunUntilIdle();
    REQUIRE_MESSAGE(result.ok(), result);
  }

  io::sim::SimScheduler scheduler;
  SimDisk disk;
};

std::vector<Entry> AllEntries(const RaftStorage& storage) {
  if (storage.LastIndex() < storage.FirstIndex()) return {};
  auto entries = storage.Entries(storage.FirstIndex(), storage.LastIndex() + 1, UINT64_MAX);
  REQUIRE(entries.ok());
  return *entries;
}

TEST_CASE("RaftStorage: a fresh directory starts empty with the bootstrap membership") {
  Fixture f;
  auto storage = f.Open();
  CHECK(storage->FirstIndex() == LogIndex(1));
  CHECK(storage->LastIndex() == LogIndex(0));
  auto initial = storage->GetInitialState();
  REQUIRE(initial.ok());
  CHECK(initial->conf_state == kVoters);
  CHECK(initial->hard_state == HardState{});
}

TEST_CASE("RaftStorage: entries and hard state are read back after a restart") {
  Fixture f;
  const HardState hs{Term(2), NodeId(1), LogIndex(3)};
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 2), std::nullopt);
    f.PersistSynced(*storage, MakeEntries(2, 3, 5), hs);
    CHECK(AllEntries(*storage).size() == 5);
  }
  auto reopened = f.Open();
  CHECK(reopened->hard_state() == hs);
  std::vector<Entry> expected = MakeEntries(1, 1, 2);
  for (const Entry& e : MakeEntries(2, 3, 5)) expected.push_back(e);
  CHECK(AllEntries(*reopened) == expected);
  auto term = reopened->TermAt(LogIndex(4));
  REQUIRE(term.ok());
  CHECK(*term == Term(2));
}

TEST_CASE("RaftStorage: the callback runs only after the fsyncs, and a crash before loses only that Ready") {
  Fixture f;
  const HardState synced{Term(1), NodeId(1), LogIndex(2)};
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 2), synced);
    bool called = false;
    REQUIRE(storage->Persist(std::nullopt, MakeEntries(1, 3, 4), HardState{Term(1), NodeId(1), LogIndex(4)},
                             [&](absl::Status) { called = true; })
                .ok());
    CHECK(storage->persisting());
    f.scheduler.RunOne();  // the write lands, its fsync has not run
    CHECK_FALSE(called);
    CHECK(storage->LastIndex() == LogIndex(2));  // reads see only what is durable
    f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  }
  auto reopened = f.Open();
  CHECK(reopened->hard_state() == synced);
  CHECK(AllEntries(*reopened) == MakeEntries(1, 1, 2));
}

TEST_CASE("RaftStorage: a torn tail is truncated and recovery keeps exactly whole synced-or-written entries") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    Fixture f(seed);
    const HardState synced{Term(1), NodeId(1), LogIndex(3)};
    {
      auto storage = f.Open();
      f.PersistSynced(*storage, MakeEntries(1, 1, 3), synced);
      REQUIRE(storage->Persist(std::nullopt, MakeEntries(1, 4, 9), std::nullopt, [](absl::Status) {}).ok());
      f.scheduler.RunOne();
      f.disk.Crash(SimDisk::CrashMode::kTearUnsynced);
    }
    auto reopened = f.Open();
    CHECK(reopened->hard_state() == synced);
    const std::vector<Entry> entries = AllEntries(*reopened);
    REQUIRE(entries.size() >= 3);
    const std::vector<Entry> all = MakeEntries(1, 1, 9);
    for (size_t i = 0; i < entries.size(); ++i) CHECK(entries[i] == all[i]);
    // The truncation is durable: appending after recovery works and survives.
    const uint64_t next = reopened->LastIndex().value() + 1;
    f.PersistSynced(*reopened, {MakeEntry(2, next)}, std::nullopt);
    reopened.reset();
    CHECK(f.Open()->LastIndex() == LogIndex(next));
  }
}

TEST_CASE("RaftStorage: the hard state never regresses when its write is torn") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    Fixture f(seed);
    HardState last_synced;
    const HardState next{Term(seed + 2), NodeId(2), LogIndex(1)};
    {
      auto storage = f.Open();
      f.PersistSynced(*storage, MakeEntries(1, 1, 1), HardState{Term(1), NodeId(1), LogIndex(0)});
      last_synced = HardState{Term(seed + 1), NodeId(3), LogIndex(1)};
      f.PersistSynced(*storage, {}, last_synced);
      REQUIRE(storage->Persist(std::nullopt, {}, next, [](absl::Status) {}).ok());
      f.scheduler.RunOne();  // log fsync
      f.scheduler.RunOne();  // hard-state write, not synced
      f.disk.Crash(SimDisk::CrashMode::kTearUnsynced);
    }
    const HardState recovered = f.Open()->hard_state();
    CHECK((recovered == last_synced || recovered == next));
  }
}

TEST_CASE("RaftStorage: a bit flip in a committed entry is DataLoss naming file and position") {
  Fixture f;
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 4), HardState{Term(1), NodeId(1), LogIndex(4)});
  }
  // Entry 2's frame starts after entry 1's frame.
  auto contents = f.disk.Contents(kDir + "/raft.log");
  REQUIRE(contents.ok());
  const uint64_t frame_bytes = contents->size() / 4;
  REQUIRE(f.disk.FlipBit(kDir + "/raft.log", frame_bytes + 20, 3).ok());
  auto reopened = RaftStorage::Open(f.disk, kDir, kVoters);
  REQUIRE(absl::IsDataLoss(reopened.status()));
  const std::string message(reopened.status().message());
  CHECK(message.find("/raft/raft.log") != std::string::npos);
  CHECK(message.find("position " + std::to_string(frame_bytes)) != std::string::npos);
}

TEST_CASE("RaftStorage: a corrupt hard state is DataLoss, not a fresh start") {
  Fixture f;
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 1), HardState{Term(1), NodeId(1), LogIndex(1)});
  }
  for (uint64_t slot = 0; slot < 2; ++slot) REQUIRE(f.disk.FlipBit(kDir + "/hard-state", slot * 64 + 9, 0).ok());
  CHECK(absl::IsDataLoss(RaftStorage::Open(f.disk, kDir, kVoters).status()));
}

TEST_CASE("RaftStorage: a conflicting suffix is replaced, on disk as in memory") {
  Fixture f;
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 5), std::nullopt);
    f.PersistSynced(*storage, MakeEntries(2, 3, 4), HardState{Term(2), NodeId(2), LogIndex(2)});
    CHECK(storage->LastIndex() == LogIndex(4));
  }
  auto reopened = f.Open();
  std::vector<Entry> expected = MakeEntries(1, 1, 2);
  for (const Entry& e : MakeEntries(2, 3, 4)) expected.push_back(e);
  CHECK(AllEntries(*reopened) == expected);
}

TEST_CASE("RaftStorage: compaction behind a snapshot survives a restart") {
  Fixture f;
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 6), HardState{Term(1), NodeId(1), LogIndex(5)});
    REQUIRE(storage->CreateSnapshot(LogIndex(4), kVoters, Buffer{1, 2, 3}).ok());
    CHECK(absl::IsFailedPrecondition(storage->Compact(LogIndex(5))));  // past the snapshot
    REQUIRE(storage->Compact(LogIndex(4)).ok());
    CHECK(storage->FirstIndex() == LogIndex(5));
    f.PersistSynced(*storage, MakeEntries(1, 7, 7), std::nullopt);
  }
  auto reopened = f.Open();
  CHECK(reopened->FirstIndex() == LogIndex(5));
  CHECK(reopened->LastIndex() == LogIndex(7));
  CHECK(raft::IsCompacted(reopened->TermAt(LogIndex(3)).status()));
  auto snapshot = reopened->GetSnapshot();
  REQUIRE(snapshot.ok());
  CHECK(snapshot->metadata.index == LogIndex(4));
  CHECK(snapshot->data == Buffer{1, 2, 3});
  std::vector<Entry> expected = MakeEntries(1, 5, 7);
  CHECK(AllEntries(*reopened) == expected);
}

TEST_CASE("RaftStorage: an installed snapshot replaces the log and persists") {
  Fixture f;
  raft::Snapshot snapshot{raft::SnapshotMetadata{LogIndex(10), Term(3), kVoters}, Buffer{9}};
  {
    auto storage = f.Open();
    f.PersistSynced(*storage, MakeEntries(1, 1, 3), std::nullopt);
    absl::Status result = absl::UnknownError("not done");
    REQUIRE(storage->Persist(snapshot, MakeEntries(3, 11, 12), HardState{Term(3), NodeId(2), LogIndex(10)},
                             [&](absl::Status s) { result = s; })
                .ok());
    f.scheduler.RunUntilIdle();
    REQUIRE(result.ok());
  }
  auto reopened = f.Open();
  CHECK(reopened->FirstIndex() == LogIndex(11));
  CHECK(AllEntries(*reopened) == MakeEntries(3, 11, 12));
  CHECK(*reopened->GetSnapshot() == snapshot);
}

TEST_CASE("RaftStorage: a failed fsync fails the Ready and every later write") {
  Fixture f;
  auto storage = f.Open();
  f.disk.FailNextSyncs(1);
  absl::Status result;
  REQUIRE(storage->Persist(std::nullopt, MakeEntries(1, 1, 1), std::nullopt, [&](absl::Status s) { result = s; }).ok());
  f.scheduler.RunUntilIdle();
  CHECK_FALSE(result.ok());
  CHECK(storage->LastIndex() == LogIndex(0));
  CHECK_FALSE(storage->Persist(std::nullopt, MakeEntries(1, 1, 1), std::nullopt, [](absl::Status) {}).ok());
}

}  // namespace
}  // namespace cairn::controller
