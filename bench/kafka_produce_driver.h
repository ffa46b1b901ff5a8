// The produce load: librdkafka producers sending fixed-size records of
// incompressible bytes to every partition of a topic as fast as their
// in-flight limits allow, measuring each record's latency from produce() to
// its delivery report.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bench/kafka_client_config.h"
#include "common/latency_histogram.h"

namespace cairn::bench {

struct ProduceLoad {
  std::string topic;
  int partitions = 8;
  int64_t record_bytes = 1024;
  int64_t records = 0;  // in all, split evenly over the producers
  // Producer instances, each on its own thread with its own connection.
  int producers = 1;
  // Records go to one partition for this many bytes, then to the next, so
  // every partition fills whole batches (librdkafka's batch.size).
  int64_t bytes_per_partition_turn = 1 << 20;
  // librdkafka properties, bootstrap.servers and acks included.
  KafkaSettings settings;
};

struct ProduceResult {
  double seconds = 0;  // first produce() to last delivery report
  int64_t records_acknowledged = 0;
  int64_t records_failed = 0;
  std::string first_error;
  LatencyHistogram latency;  // produce() to delivery report, in ns
  // The most record bytes produced but not yet acknowledged at any moment,
  // over all producers: an upper bound on what the broker could hold.
  int64_t max_unacknowledged_bytes = 0;
};

// Runs the load to the end (every record acknowledged or failed).
absl::StatusOr<ProduceResult> RunProduceLoad(const ProduceLoad& load);

}  // namespace cairn::bench
