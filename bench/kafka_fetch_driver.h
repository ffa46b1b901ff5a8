// The fetch load: one librdkafka consumer reading every partition of a topic
// from the beginning (assign(), no consumer group) until it has seen a given
// number of records.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bench/kafka_client_config.h"

namespace cairn::bench {

struct FetchLoad {
  std::string topic;
  int partitions = 8;
  int64_t records = 0;  // stop after this many
  // librdkafka properties, bootstrap.servers and group.id included.
  KafkaSettings settings;
};

struct FetchResult {
  double seconds = 0;  // assign() to the last record handed to the application
  int64_t records = 0;
  int64_t value_bytes = 0;
  // CPU of librdkafka's broker threads, which read and parse each Fetch
  // response before sending the next: what bounds a single consumer.
  double fetch_thread_cpu_seconds = 0;
};

absl::StatusOr<FetchResult> RunFetchLoad(const FetchLoad& load);

}  // namespace cairn::bench
