#include "broker/partition_capacity.h"

#include <doctest/doctest.h>

namespace cairn::broker {
namespace {

TEST_CASE("partition capacity: per shard, bounded by the open-file limit, at least one") {
  // 5000 per shard on 2 shards, with files for far more.
  CHECK(PartitionCapacity(5000, 2, 1 << 20) == 10000);
  // (20000 - 1024 reserved) / 2 files per partition.
  CHECK(PartitionCapacity(5000, 2, 20000) == 9488);
  // 0 per shard: only the file limit counts.
  CHECK(PartitionCapacity(0, 2, 20000) == 9488);
  // Under a low limit half of it is kept for the rest: (1024 - 512) / 2.
  CHECK(PartitionCapacity(5000, 2, 1024) == 256);
  // No descriptors at all still registers one partition, never zero (no limit).
  CHECK(PartitionCapacity(5000, 2, 0) == 1);
  // No shard count yet counts as one shard.
  CHECK(PartitionCapacity(7, 0, 1 << 20) == 7);
  // An unlimited file limit does not overflow.
  CHECK(PartitionCapacity(0, 4, ~uint64_t{0}) == 4294967295u);
}

}  // namespace
}  // namespace cairn::broker
