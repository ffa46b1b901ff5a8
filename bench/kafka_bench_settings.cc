// The librdkafka settings kafka_bench's clients share (see kafka_bench_phases.h).
#include <string>

#include "bench/kafka_bench_phases.h"

namespace cairn::bench {

const char* Verdict(bool met) { return met ? "yes" : "NO"; }

KafkaSettings ProducerSettings(const std::string& bootstrap, const KafkaBenchOptions& options) {
  return {
      {"bootstrap.servers", bootstrap},
      {"acks", "all"},
      {"compression.type", "none"},
      {"linger.ms", std::to_string(options.linger_ms)},
      {"batch.size", std::to_string(options.batch_bytes)},
      // The queue is bounded by bytes, not by a count of records.
      {"queue.buffering.max.kbytes", std::to_string(std::max<int64_t>(1, options.in_flight_bytes >> 10))},
      {"queue.buffering.max.messages", "10000000"},
  };
}

KafkaSettings ConsumerSettings(const std::string& bootstrap, int64_t partition_bytes) {
  return {
      {"bootstrap.servers", bootstrap},
      // assign() needs no group; librdkafka still wants an id, never used.
      {"group.id", "cairn-kafka-bench"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
      {"fetch.max.bytes", std::to_string(64 << 20)},
      {"max.partition.fetch.bytes", std::to_string(partition_bytes)},
      {"queued.max.messages.kbytes", std::to_string(256 << 10)},
      {"fetch.wait.max.ms", "100"},
  };
}

}  // namespace cairn::bench
