// What the four drivers share besides the load: flags, counting the
// server's fsyncs and disk writes during the run, and one JSON object of
// results on stdout. Each driver supplies its system as a CompareSystem and
// calls CompareMain from main().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/compare/pipeline.h"

namespace cairn::bench::compare {

struct CompareOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string name = "compare";  // prefix of the streams/topics/queues; one log per connection
  int connections = 4;
  int64_t record_bytes = 1024;
  int64_t total_bytes = 256LL << 20;  // throughput mode: record payload bytes in all
  int64_t window_bytes = 1LL << 20;   // unacknowledged payload bytes per connection
  double rate = 0;                    // records/s in all; 0: throughput mode
  double seconds = 10;                // how long the rate-limited mode offers its load
  int server_pid = 0;                 // >0: count its fsyncs (perf) and disk writes
  std::string perf_data = "/tmp/cairn-compare.perf.data";
  std::string fsync_tracepoint = "ext4:ext4_sync_file_enter";

  int64_t window_records() const { return std::max<int64_t>(1, window_bytes / record_bytes); }
};

struct CompareSystem {
  std::string name;  // "redis", "nats", ...
  // Creates what the connections write to (nullptr: nothing to create).
  std::function<absl::Status(const CompareOptions&)> setup;
  // Opens connection `index`, which writes to log `index`.
  std::function<absl::StatusOr<std::unique_ptr<Pipeline>>(const CompareOptions&, int index)> open;
};

// A CompareSystem::open for a Pipeline type with `absl::Status Connect(const
// CompareOptions&, int index)`: a fresh one, connected.
template <typename ConnectingPipeline>
absl::StatusOr<std::unique_ptr<Pipeline>> OpenConnected(const CompareOptions& options, int index) {
  auto pipeline = std::make_unique<ConnectingPipeline>();
  if (absl::Status s = pipeline->Connect(options, index); !s.ok()) return s;
  return pipeline;
}

// Parses the flags, runs setup and the load, prints the JSON; the exit status.
int CompareMain(int argc, char** argv, const CompareSystem& system);

}  // namespace cairn::bench::compare
