// The load every system gets: `connections` pipelines, each on its own
// thread, each keeping at most `window` records unacknowledged, sending
// either as fast as that allows (throughput) or on a fixed schedule
// (offered load). Latency is from the moment a record was due to be sent
// to its acknowledgement, so a system that falls behind a fixed schedule is
// charged for the wait (no coordinated omission).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "bench/compare/pipeline.h"
#include "common/latency_histogram.h"

namespace cairn::bench::compare {

struct LoadSpec {
  int connections = 4;
  int64_t record_bytes = 1024;  // at least 8: each record starts with its sequence number
  int64_t records = 0;          // in all, split evenly over the connections
  int64_t window = 1024;        // unacknowledged records per connection
  double records_per_second = 0;  // in all; 0: as fast as the window allows
};

struct LoadResult {
  double seconds = 0;  // first send to last acknowledgement
  int64_t records = 0;
  LatencyHistogram latency;  // ns
};

// Opens every connection, then runs the load to the last acknowledgement.
absl::StatusOr<LoadResult> RunLoad(const LoadSpec& spec, const PipelineFactory& open);

}  // namespace cairn::bench::compare
