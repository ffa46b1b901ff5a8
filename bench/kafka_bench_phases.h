// The measurements kafka_bench makes, one function per phase, each adding
// its figures to the report. Phases that need the broker get the one main()
// started; the memory phase starts its own (it needs another config).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/bench_report.h"
#include "bench/broker_process.h"
#include "bench/kafka_bench_options.h"
#include "bench/kafka_client_config.h"

namespace cairn::bench {

// Metric families of broker/metrics.h that the phases read from /metrics.
inline constexpr const char* kBytesInMetric = "kafka_server_brokertopicmetrics_bytesin_total";
inline constexpr const char* kBytesOutMetric = "kafka_server_brokertopicmetrics_bytesout_total";

inline double Mb(double bytes) { return bytes / 1e6; }
inline double Mib(double bytes) { return bytes / (1 << 20); }
const char* Verdict(bool met);

// librdkafka settings of the load: acks=all, no compression, batches of
// options.batch_bytes after options.linger_ms, options.in_flight_bytes queued.
KafkaSettings ProducerSettings(const std::string& bootstrap, const KafkaBenchOptions& options);
// An assign() consumer fetching up to `partition_bytes` per partition.
KafkaSettings ConsumerSettings(const std::string& bootstrap, int64_t partition_bytes);

// What the produce phase leaves for the fetch phase to read.
struct ProducedTopic {
  std::string topic;
  int partitions = 0;
  int64_t records = 0;
  int64_t broker_bytes = 0;  // record batch bytes the broker appended
};

// Durable produce (acks=all) of options.record_bytes records, run A, then
// the write+fdatasync baselines at the broker's bytes per sync (one file,
// then one file per partition at once), then run A' into a second topic
// (A, baselines, A': drift of the disk cancels).
absl::StatusOr<ProducedTopic> RunProducePhase(const BrokerProcess& broker, const KafkaBenchOptions& options,
                                              BenchReport& report);

// Reads run A's topic from the beginning between two loopback TCP transfers
// of the same number of bytes.
absl::Status RunFetchPhase(const BrokerProcess& broker, const ProducedTopic& produced, const KafkaBenchOptions& options,
                           BenchReport& report);

// Broker CPU time (utime+stime from /proc) per small record in big batches.
absl::Status RunCpuPhase(const BrokerProcess& broker, const KafkaBenchOptions& options, BenchReport& report);

// Idle RSS of the broker main() started with the default config.
absl::Status ReportIdleRss(const BrokerProcess& broker, BenchReport& report);

// Peak RSS of a broker with queued.max.request.bytes = options.flood_budget_bytes
// while several producers flood it, against its idle RSS plus that budget.
absl::Status RunMemoryFloodPhase(const KafkaBenchOptions& options, BenchReport& report);

}  // namespace cairn::bench
