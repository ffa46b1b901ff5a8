// A minimal Kafka Fetch client for the benchmark: Fetch v4 requests on one
// blocking socket, one or more in flight, responses walked only as far as the record batch headers
// (to learn the next offsets), no record decoded. It shows what the broker
// can serve when the client costs almost nothing, next to what a real client
// (librdkafka) gets.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace cairn::bench {

struct RawFetchLoad {
  int port = 0;  // the broker's Kafka listener on 127.0.0.1
  std::string topic;
  int partitions = 8;
  int64_t partition_max_bytes = 1 << 20;
  int64_t max_bytes = 64 << 20;
  // Fetch requests kept in flight on the connection, each for its own slice
  // of the partitions (as a client fetching from several brokers would).
  int requests_in_flight = 1;
};

struct RawFetchResult {
  double seconds = 0;        // first request to the last response that carried records
  int64_t record_bytes = 0;  // bytes of record batches received
  int64_t requests = 0;
};

// Fetches every partition from offset 0 until each has reached the high
// watermark its last response reported.
absl::StatusOr<RawFetchResult> RunRawFetch(const RawFetchLoad& load);

}  // namespace cairn::bench
