#include "storage/leader_epoch_cache.h"

#include <doctest/doctest.h>

#include "io/sim/sim_disk.h"
#include "storage/checkpoint_file.h"

namespace cairn::storage {
namespace {

using Entries = std::vector<LeaderEpochCache::Entry>;

TEST_CASE("LeaderEpochCache: only a newer epoch adds an entry") {
  LeaderEpochCache cache;
  CHECK(cache.Assign(1, 0));
  CHECK_FALSE(cache.Assign(1, 5));
  CHECK_FALSE(cache.Assign(0, 6));
  CHECK_FALSE(cache.Assign(-1, 7));
  CHECK(cache.Assign(3, 10));
  CHECK(cache.entries() == Entries{{1, 0}, {3, 10}});
}

TEST_CASE("LeaderEpochCache: EndOffsetFor answers OffsetForLeaderEpoch") {
  LeaderEpochCache cache;
  cache.Assign(2, 0);
  cache.Assign(5, 40);
  cache.Assign(6, 90);
  CHECK(cache.EndOffsetFor(2, 120) == std::make_pair(2, int64_t{40}));
  CHECK(cache.EndOffsetFor(4, 120) == std::make_pair(2, int64_t{40}));
  CHECK(cache.EndOffsetFor(6, 120) == std::make_pair(6, int64_t{120}));
  CHECK(cache.EndOffsetFor(9, 120) == std::make_pair(6, int64_t{120}));
  CHECK_FALSE(cache.EndOffsetFor(1, 120).has_value());
}

TEST_CASE("LeaderEpochCache: truncation from either end") {
  LeaderEpochCache cache;
  cache.Assign(1, 0);
  cache.Assign(2, 10);
  cache.Assign(3, 20);
  CHECK(cache.TruncateFromEnd(20));
  CHECK(cache.entries() == Entries{{1, 0}, {2, 10}});
  CHECK(cache.TruncateFromStart(15));
  CHECK(cache.entries() == Entries{{2, 15}});
  CHECK_FALSE(cache.TruncateFromStart(15));
}

TEST_CASE("Checkpoint files: round trip in Kafka's text format, and damage is DataLoss") {
  io::sim::SimScheduler scheduler;
  io::sim::SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("/p").ok());
  REQUIRE(WriteCheckpoint(disk, "/p/cp", {{1, 0}, {4, 300}}).ok());
  auto contents = disk.Contents("/p/cp");
  CHECK(std::string(contents->begin(), contents->end()) == "0\n2\n1 0\n4 300\n");
  auto read = ReadCheckpoint(disk, "/p/cp", 2);
  REQUIRE(read.ok());
  CHECK(*read == std::vector<CheckpointEntry>{{1, 0}, {4, 300}});
  CHECK(*ReadOffsetCheckpoint(disk, "/p/missing", 42) == 42);
  REQUIRE(disk.WriteFileAtomically("/p/bad", AsBytes("0\n1\n12")).ok());
  CHECK(ReadCheckpoint(disk, "/p/bad", 1).status().code() == absl::StatusCode::kDataLoss);
  REQUIRE(disk.WriteFileAtomically("/p/bad", AsBytes("0\n1\nx\n")).ok());
  CHECK(ReadCheckpoint(disk, "/p/bad", 1).status().code() == absl::StatusCode::kDataLoss);
  REQUIRE(disk.WriteFileAtomically("/p/bad", AsBytes("1\n0\n")).ok());
  CHECK(ReadCheckpoint(disk, "/p/bad", 1).status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::storage
