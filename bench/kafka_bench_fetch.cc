// kafka_bench's fetch phase: a consumer draining the produce phase's topic,
// against loopback TCP moving the same bytes (see kafka_bench_phases.h).
#include <cinttypes>
#include <optional>

#include "bench/kafka_bench_phases.h"
#include "bench/kafka_fetch_driver.h"
#include "bench/loopback_baseline.h"
#include "bench/proc_stats.h"
#include "bench/raw_fetch_driver.h"

namespace cairn::bench {

absl::Status RunFetchPhase(const BrokerProcess& broker, const ProducedTopic& produced, const KafkaBenchOptions& options,
                           BenchReport& report) {
  constexpr int64_t kLoopbackChunkBytes = 1 << 20;
  report.Progress(Format("fetch: %" PRId64 " records of %s with librdkafka, then a raw client, between two loopback "
                         "transfers of %" PRId64 " B",
                         produced.records, produced.topic.c_str(), produced.broker_bytes));
  // Loopback before and after the fetch, so drift of the machine's load cancels.
  absl::StatusOr<double> loopback_before = LoopbackTransferSeconds(produced.broker_bytes, kLoopbackChunkBytes);
  if (!loopback_before.ok()) return loopback_before.status();

  FetchLoad load;
  load.topic = produced.topic;
  load.partitions = produced.partitions;
  load.records = produced.records;
  load.settings = ConsumerSettings(broker.bootstrap(), options.fetch_partition_bytes);
  const absl::StatusOr<double> bytes_before = broker.MetricSum(kBytesOutMetric);
  const std::optional<double> broker_cpu_before = ProcessCpuSeconds(broker.pid());
  const double client_cpu_before = SelfCpuSeconds();
  absl::StatusOr<FetchResult> fetched = RunFetchLoad(load);
  const double client_cpu = SelfCpuSeconds() - client_cpu_before;
  const std::optional<double> broker_cpu_after = ProcessCpuSeconds(broker.pid());
  const absl::StatusOr<double> bytes_after = broker.MetricSum(kBytesOutMetric);
  if (!broker_cpu_before || !broker_cpu_after) return absl::UnavailableError("cairnd is gone");
  const double broker_cpu = *broker_cpu_after - *broker_cpu_before;
  if (!fetched.ok()) return fetched.status();
  if (!bytes_before.ok() || !bytes_after.ok()) return bytes_before.ok() ? bytes_after.status() : bytes_before.status();

  // The same bytes again with a client that decodes nothing: how much of
  // the gap is the broker's.
  RawFetchLoad raw_load;
  raw_load.port = broker.kafka_port();
  raw_load.topic = produced.topic;
  raw_load.partitions = produced.partitions;
  raw_load.partition_max_bytes = options.fetch_partition_bytes;
  const std::optional<double> raw_cpu_before = ProcessCpuSeconds(broker.pid());
  absl::StatusOr<RawFetchResult> raw = RunRawFetch(raw_load);
  const std::optional<double> raw_cpu_after = ProcessCpuSeconds(broker.pid());
  if (!raw.ok()) return raw.status();
  if (!raw_cpu_before || !raw_cpu_after) return absl::UnavailableError("cairnd is gone");

  absl::StatusOr<double> loopback_after = LoopbackTransferSeconds(produced.broker_bytes, kLoopbackChunkBytes);
  if (!loopback_after.ok()) return loopback_after.status();

  const auto broker_bytes = static_cast<int64_t>(*bytes_after - *bytes_before);
  const double fetch_mbps = Mb(static_cast<double>(broker_bytes)) / fetched->seconds;
  const double loopback_mbps = (Mb(static_cast<double>(produced.broker_bytes)) / *loopback_before +
                                Mb(static_cast<double>(produced.broker_bytes)) / *loopback_after) /
                               2;
  const double ratio = fetch_mbps / loopback_mbps;
  report.Progress(
      Format("  fetched %.1f MB in %.2f s = %.1f MB/s (cpu: broker %.2f s, consumer %.2f s); "
             "loopback %.1f, %.1f MB/s",
             Mb(broker_bytes), fetched->seconds, fetch_mbps, broker_cpu, client_cpu,
             Mb(static_cast<double>(produced.broker_bytes)) / *loopback_before,
             Mb(static_cast<double>(produced.broker_bytes)) / *loopback_after));
  const double records_per_s = static_cast<double>(fetched->records) / fetched->seconds;
  report.Row("fetch from offset 0 (page cache warm) / loopback",
             Format("%.0f rec/s, %.1f MB/s", records_per_s, fetch_mbps),
             Format("loopback TCP, mean of 2: %.1f MB/s", loopback_mbps), Format("%.2f >= 0.50", ratio),
             Verdict(ratio >= 0.50));
  report.Row("CPU during fetch: broker, consumer", Format("%.2f s, %.2f s", broker_cpu, client_cpu));
  const double raw_mbps = Mb(static_cast<double>(raw->record_bytes)) / raw->seconds;
  report.Row(Format("  raw Fetch v4 client (decodes nothing), %" PRId64 " requests", raw->requests),
             Format("%.1f MB/s, broker CPU %.2f s", raw_mbps, *raw_cpu_after - *raw_cpu_before), "",
             Format("%.2f", raw_mbps / loopback_mbps));
  report.Add("raw_fetch_mb_per_s", raw_mbps);
  report.Add("raw_fetch_requests", raw->requests);
  report.Add("raw_fetch_broker_cpu_seconds", *raw_cpu_after - *raw_cpu_before);
  report.Add("raw_fetch_vs_loopback", raw_mbps / loopback_mbps);
  report.Add("fetch_records", fetched->records);
  report.Add("fetch_seconds", fetched->seconds);
  report.Add("fetch_records_per_s", records_per_s);
  report.Add("fetch_broker_bytes", broker_bytes);
  report.Add("fetch_value_bytes", fetched->value_bytes);
  report.Add("fetch_mb_per_s", fetch_mbps);
  report.Add("fetch_broker_cpu_seconds", broker_cpu);
  report.Add("fetch_consumer_cpu_seconds", client_cpu);
  report.Add("loopback_before_mb_per_s", Mb(static_cast<double>(produced.broker_bytes)) / *loopback_before);
  report.Add("loopback_after_mb_per_s", Mb(static_cast<double>(produced.broker_bytes)) / *loopback_after);
  report.Add("fetch_vs_loopback", ratio);
  return absl::OkStatus();
}

}  // namespace cairn::bench
