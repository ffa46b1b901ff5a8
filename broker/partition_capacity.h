// How many partition replicas a broker can host. It tells the controller in
// its registration, and the controller refuses topics and partitions that
// would take it past that (INVALID_PARTITIONS, naming the broker), instead of
// the broker running out of file descriptors: past that point it can open
// neither the new logs nor client connections.
#pragma once

#include <cstdint>

namespace cairn::broker {

// File descriptors budgeted per partition: its active segment, and one more
// for a rolled segment (every segment file stays open, as in Kafka).
inline constexpr uint64_t kFilesPerPartition = 2;
// Descriptors kept for everything else: client and quorum connections,
// io_uring, checkpoints, the metadata log. Under a low limit, half of it.
inline constexpr uint64_t kReservedFiles = 1024;

// topic.partitions.per.shard for each shard, and no more than the open-file
// limit allows; at least 1. `per_shard` 0 leaves only the file limit.
uint32_t PartitionCapacity(int64_t per_shard, int shard_count, uint64_t open_file_limit);

// Raises this process's soft RLIMIT_NOFILE to its hard limit (as most servers
// do at start-up) and returns the soft limit in force afterwards.
uint64_t RaiseOpenFileLimit();

}  // namespace cairn::broker
