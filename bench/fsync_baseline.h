// The storage baseline for durable produce: blocking write+fdatasync loops,
// the floor of what any durable log can do on this disk at a given number of
// bytes per sync. One stream is the plain loop; several streams (one thread
// and one file each, like one partition each) also let the disk overlap the
// syncs, as the broker's partitions do.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace cairn::bench {

// Writes `total_bytes` of incompressible bytes, split evenly over `streams`
// new files `path_prefix`.0, .1, ..., each written by its own thread in
// `bytes_per_sync` pieces, each piece followed by fdatasync; removes the
// files. Returns the seconds from the start to the last fdatasync.
absl::StatusOr<double> WriteSyncSeconds(const std::string& path_prefix, int64_t total_bytes, int64_t bytes_per_sync,
                                        int streams);

}  // namespace cairn::bench
