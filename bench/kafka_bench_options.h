// Command-line options of kafka_bench (see kUsage in kafka_bench_options.cc
// and docs/benchmarks.md "Broker (Kafka protocol)").
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace cairn::bench {

struct KafkaBenchOptions {
  std::string cairnd;                          // default: ../app/cairnd next to this binary
  std::string dir = "/tmp/cairn-kafka-bench";  // wiped at start and end
  int smp = 0;                                 // 0: cairnd's default (one shard per core)
  bool json = false;                           // JSON instead of the table on stdout
  std::string json_file;                       // also write the JSON here
  std::vector<std::string> phases = {"produce", "fetch", "cpu", "memory"};

  // produce (acks=all) against the write+fdatasync baseline
  int partitions = 8;
  int64_t produce_bytes = 1LL << 30;  // record payload bytes per produce run
  int64_t record_bytes = 1024;
  int linger_ms = 5;
  int64_t batch_bytes = 1000000;         // librdkafka batch.size
  int64_t in_flight_bytes = 16LL << 20;  // librdkafka queue.buffering.max.kbytes
  std::string fsync_tracepoint = "ext4:ext4_sync_file_enter";
  int64_t bytes_per_sync = 0;  // 0: measure it with perf

  // fetch: librdkafka's max.partition.fetch.bytes (the raw client's too)
  int64_t fetch_partition_bytes = 1 << 20;

  // CPU per record: small records in big batches
  int64_t cpu_records = 4000000;
  int64_t cpu_record_bytes = 100;

  // memory: RSS during a produce flood against a small budget
  int64_t flood_budget_bytes = 64LL << 20;  // queued.max.request.bytes
  int64_t flood_bytes = 1LL << 30;
  int flood_producers = 4;

  bool Has(const std::string& phase) const { return std::find(phases.begin(), phases.end(), phase) != phases.end(); }
};

// Parses argv; false (after printing why and the usage on stderr) on a bad flag.
bool ParseKafkaBenchOptions(int argc, char** argv, KafkaBenchOptions* options);

}  // namespace cairn::bench
