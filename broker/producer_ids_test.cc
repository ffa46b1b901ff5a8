#include "broker/producer_ids.h"

#include <doctest/doctest.h>

#include "io/sim/sim_disk.h"

namespace cairn::broker {
namespace {

TEST_CASE("ProducerIdAllocator: ids are unique across restarts, skipping a block's unused remainder") {
  io::sim::SimScheduler scheduler;
  io::sim::SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("/d").ok());
  {
    auto ids = ProducerIdAllocator::Open(&disk, "/d/pids");
    REQUIRE(ids.ok());
    for (int64_t expected = 0; expected < 1001; ++expected) CHECK(*(*ids)->Allocate() == expected);
  }
  disk.Crash(io::sim::SimDisk::CrashMode::kLoseUnsynced);
  auto ids = ProducerIdAllocator::Open(&disk, "/d/pids");
  REQUIRE(ids.ok());
  CHECK(*(*ids)->Allocate() == 2000);
}

TEST_CASE("ProducerIdAllocator: a failed block reservation hands out nothing") {
  io::sim::SimScheduler scheduler;
  io::sim::SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("/d").ok());
  auto ids = ProducerIdAllocator::Open(&disk, "/d/pids");
  REQUIRE(ids.ok());
  disk.FailNextSyncs(1);
  CHECK_FALSE((*ids)->Allocate().ok());
  CHECK(*(*ids)->Allocate() == 0);
}

}  // namespace
}  // namespace cairn::broker
