// Settings of the client, named after the Java client's keys (docs/client.md
// lists each key, its default and its meaning). Units are in the names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/record_batch.h"

namespace cairn::client {

// Connection, metadata and request settings shared by Producer and Admin.
struct ClientConfig {
  std::string bootstrap_servers = "127.0.0.1:9092";  // bootstrap.servers
  std::string client_id = "cairn-client";            // client.id
  int64_t request_timeout_ms = 30000;                // request.timeout.ms
  int64_t socket_connection_setup_timeout_ms = 10000;  // socket.connection.setup.timeout.ms
  int64_t reconnect_backoff_ms = 50;                 // reconnect.backoff.ms
  int64_t reconnect_backoff_max_ms = 1000;           // reconnect.backoff.max.ms
  int64_t retry_backoff_ms = 100;                    // retry.backoff.ms
  int64_t retry_backoff_max_ms = 1000;               // retry.backoff.max.ms (admin retries double up to it)
  // Overall time limit of one Admin call, retries included.
  int64_t default_api_timeout_ms = 60000;            // default.api.timeout.ms
  int64_t metadata_max_age_ms = 300000;              // metadata.max.age.ms
  // Requests a connection accepts before answers come back; also the
  // requests queued per broker while it (re)connects.
  int max_in_flight_requests_per_connection = 5;     // max.in.flight.requests.per.connection
  size_t max_queued_requests_per_connection = 10000;
};

enum class Acks : int16_t { kNone = 0, kLeader = 1, kAll = -1 };

struct ProducerConfig {
  ClientConfig client;
  Acks acks = Acks::kAll;                      // acks
  bool enable_idempotence = true;              // enable.idempotence (needs acks=all)
  int64_t linger_ms = 5;                       // linger.ms
  size_t batch_size = 16384;                   // batch.size (bytes, before compression)
  Compression compression = Compression::kNone;  // compression.type: none, lz4, zstd (gzip, snappy also work)
  int64_t delivery_timeout_ms = 120000;        // delivery.timeout.ms
  int64_t max_block_ms = 60000;                // max.block.ms (Send waiting for buffer.memory)
  size_t buffer_memory = 32 << 20;             // buffer.memory (bytes)
  size_t max_request_size = 1 << 20;           // max.request.size (bytes, largest record/request)
  int max_in_flight_per_partition = 5;         // at most 5 with idempotence, as in Kafka
};

}  // namespace cairn::client
