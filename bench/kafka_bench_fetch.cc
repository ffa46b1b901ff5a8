// kafka_bench's fetch phase: a consumer draining the produce phase's topic,
// against loopback TCP moving the same bytes (see kafka_bench_phases.h).
#include <cinttypes>
#include <optional>
#include <string>
#include <vector>

#include "bench/kafka_bench_phases.h"
#include "bench/kafka_fetch_driver.h"
#include "bench/loopback_baseline.h"
#include "bench/proc_stats.h"
#include "bench/raw_fetch_driver.h"

namespace cairn::bench {
namespace {

struct RawFetchRun {
  int requests_in_flight = 1;
  RawFetchResult result;
  double broker_cpu_seconds = 0;

  double mb_per_s() const { return Mb(static_cast<double>(result.record_bytes)) / result.seconds; }
};

absl::StatusOr<RawFetchRun> MeasureRawFetch(const BrokerProcess& broker, const RawFetchLoad& load) {
  const std::optional<double> cpu_before = ProcessCpuSeconds(broker.pid());
  absl::StatusOr<RawFetchResult> result = RunRawFetch(load);
  const std::optional<double> cpu_after = ProcessCpuSeconds(broker.pid());
  if (!result.ok()) return result.status();
  if (!cpu_before || !cpu_after) return absl::UnavailableError("cairnd is gone");
  return RawFetchRun{load.requests_in_flight, *result, *cpu_after - *cpu_before};
}

}  // namespace

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
  // the gap is the broker's. Once with one request in flight, as a consumer
  // fetches from one broker, and once keeping two in flight.
  RawFetchLoad raw_load;
  raw_load.port = broker.kafka_port();
  raw_load.topic = produced.topic;
  raw_load.partitions = produced.partitions;
  raw_load.partition_max_bytes = options.fetch_partition_bytes;
  std::vector<RawFetchRun> raw_runs;
  for (const int in_flight : {1, 2}) {
    raw_load.requests_in_flight = in_flight;
    absl::StatusOr<RawFetchRun> run = MeasureRawFetch(broker, raw_load);
    if (!run.ok()) return run.status();
    raw_runs.push_back(*run);
  }

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
  const std::string loopback_figure = Format("loopback TCP, mean of 2: %.1f MB/s", loopback_mbps);
  // The goal is the broker's: a client that keeps the connection busy shows
  // what it serves. A single librdkafka consumer is bound by its own fetch
  // thread, which parses each response before asking for the next; the
  // rate it would reach if the broker and the network took no time at all
  // is the bytes over that thread's CPU.
  const RawFetchRun& pipelined = raw_runs.back();
  const double pipelined_mbps = pipelined.mb_per_s();
  report.Row(Format("fetch / loopback: raw Kafka client, %d requests in flight", pipelined.requests_in_flight),
             Format("%.1f MB/s, broker CPU %.2f s", pipelined_mbps, pipelined.broker_cpu_seconds), loopback_figure,
             Format("%.2f >= 0.50", pipelined_mbps / loopback_mbps), Verdict(pipelined_mbps / loopback_mbps >= 0.50));
  const RawFetchRun& single = raw_runs.front();
  const double single_mbps = single.mb_per_s();
  report.Row(Format("  the same, 1 request in flight (%" PRId64 " requests)", single.result.requests),
             Format("%.1f MB/s, broker CPU %.2f s", single_mbps, single.broker_cpu_seconds), "",
             Format("%.2f", single_mbps / loopback_mbps));
  report.Row("fetch / loopback: librdkafka consumer, offset 0, page cache warm",
             Format("%.0f rec/s, %.1f MB/s", records_per_s, fetch_mbps), "", Format("%.2f", ratio));
  report.Row("  CPU during it: broker, consumer", Format("%.2f s, %.2f s", broker_cpu, client_cpu));
  const double ceiling_mbps = Mb(static_cast<double>(broker_bytes)) / fetched->fetch_thread_cpu_seconds;
  report.Row("  librdkafka's fetch thread alone: CPU, ceiling",
             Format("%.2f s, %.1f MB/s", fetched->fetch_thread_cpu_seconds, ceiling_mbps), "",
             Format("%.2f", ceiling_mbps / loopback_mbps));
  for (const RawFetchRun& run : raw_runs) {
    const std::string key =
        run.requests_in_flight == 1 ? "raw_fetch" : Format("raw_fetch_%d_in_flight", run.requests_in_flight);
    const double mbps = run.mb_per_s();
    report.Add(key + "_mb_per_s", mbps);
    report.Add(key + "_requests", run.result.requests);
    report.Add(key + "_broker_cpu_seconds", run.broker_cpu_seconds);
    report.Add(key + "_vs_loopback", mbps / loopback_mbps);
  }
  report.Add("fetch_thread_cpu_seconds", fetched->fetch_thread_cpu_seconds);
  report.Add("fetch_thread_ceiling_vs_loopback", ceiling_mbps / loopback_mbps);
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
