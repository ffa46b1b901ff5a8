// What `cairn bench produce|consume|e2e` share: their flags, the topic they
// use, record payloads, rate pacing and the report (text or --json).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli/args.h"
#include "client/cli/command.h"
#include "common/latency_histogram.h"
#include "client/config.h"

namespace cairn::cli {

struct BenchOptions {
  std::string topic = "cairn-bench";
  int64_t record_bytes = 100;
  int64_t count = 0;        // 0: no count limit (then duration_ms is set)
  int64_t duration_ms = 0;  // 0: no time limit (then count is set)
  int32_t partitions = 1;   // for a topic the bench creates
  int64_t rate = 0;         // records per second offered; 0: as fast as possible
  bool json = false;
};

std::vector<FlagSpec> BenchFlags();
absl::StatusOr<BenchOptions> ParseBenchOptions(const Context& context);

// bench consume and e2e read assigned partitions without a consumer group:
// a -X group.id would only have their consumer commit offsets for a group
// nobody asked to move, so it is refused as a usage error.
absl::Status RefuseGroupId(const Context& context);

// Creates the topic with options.partitions unless it exists.
absl::Status EnsureTopic(const Context& context, const BenchOptions& options);

// The start of every bench that produces: its flags, its producer config
// and its topic. On failure the usage or error line has been printed and
// `exit_code` holds the status to exit with.
struct ProduceBenchSetup {
  BenchOptions options;
  client::ProducerConfig config;
};
std::optional<ProduceBenchSetup> PrepareProduceBench(const Context& context, int& exit_code);

// Record values: slices of a pool of random letters, so compression sees
// realistic rather than identical records.
class Payloads {
 public:
  explicit Payloads(int64_t record_bytes);
  std::string Next();

 private:
  std::string pool_;
  size_t size_;
  size_t next_ = 0;
};

// Spaces sends out to --rate records per second (no-op without a rate).
class Pacer {
 public:
  explicit Pacer(int64_t rate) : rate_(rate), start_(std::chrono::steady_clock::now()) {}
  void WaitFor(int64_t records_sent);

 private:
  int64_t rate_;
  std::chrono::steady_clock::time_point start_;
};

// Whether the run should stop after `done` records at `elapsed`.
bool BenchFinished(const BenchOptions& options, int64_t done, std::chrono::steady_clock::duration elapsed);

struct BenchResult {
  std::string mode;           // "produce", "consume", "e2e"
  std::string latency_kind;   // what the histogram measures, for the report
  int64_t records = 0;        // completed (acknowledged, read, or received)
  int64_t failed = 0;
  int64_t bytes = 0;          // key + value bytes of the completed records
  double seconds = 0;
  LatencyHistogram latency_us;
  // Whether the bench's records came from its own producer: then the record
  // size is -s, and acks and compression are reported; otherwise (consume)
  // the size is the mean measured, and producer settings mean nothing.
  bool produced = true;
};

// "<mode>: N records, R rec/s, M MB/s" for the live line.
std::string ProgressText(const std::string& mode, int64_t records, int64_t bytes,
                         std::chrono::steady_clock::duration elapsed);

// Prints the result on stdout: a short table, or one JSON object with --json.
void PrintBenchResult(const BenchResult& result, const BenchOptions& options, const Context& context);

}  // namespace cairn::cli
