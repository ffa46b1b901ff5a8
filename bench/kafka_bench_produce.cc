// kafka_bench's produce phase: durable produce against write+fdatasync at
// the broker's own bytes per sync (see kafka_bench_phases.h).
#include <cinttypes>
#include <memory>
#include <optional>

#include "bench/fsync_baseline.h"
#include "bench/fsync_counter.h"
#include "bench/kafka_admin.h"
#include "bench/kafka_bench_phases.h"
#include "bench/kafka_produce_driver.h"
#include "bench/proc_stats.h"

namespace cairn::bench {
namespace {

struct ProduceRun {
  ProduceResult client;
  int64_t broker_bytes = 0;  // bytesin: record batch bytes appended
  double broker_cpu_seconds = 0;
  double client_cpu_seconds = 0;    // the producer's (this process)
  int64_t fsyncs = -1;              // -1: not counted
  int64_t storage_write_bytes = 0;  // /proc/<pid>/io write_bytes
  double mb_per_s() const { return Mb(static_cast<double>(broker_bytes)) / client.seconds; }
};

absl::StatusOr<ProduceRun> MeasureProduce(const BrokerProcess& broker, const KafkaBenchOptions& options,
                                          const std::string& topic, bool count_fsyncs, BenchReport& report) {
  if (absl::Status created = CreateTopic(broker.bootstrap(), topic, options.partitions); !created.ok()) return created;
  std::unique_ptr<FsyncCounter> counter;
  if (count_fsyncs) {
    absl::StatusOr<std::unique_ptr<FsyncCounter>> started =
        FsyncCounter::Start(options.fsync_tracepoint, options.dir + "/fsync.perf.data");
    if (!started.ok()) return started.status();
    counter = std::move(*started);
  }
  ProduceLoad load;
  load.topic = topic;
  load.partitions = options.partitions;
  load.record_bytes = options.record_bytes;
  load.records = options.produce_bytes / options.record_bytes;
  load.bytes_per_partition_turn = options.batch_bytes;
  load.settings = ProducerSettings(broker.bootstrap(), options);

  ProduceRun run;
  const absl::StatusOr<double> bytes_before = broker.MetricSum(kBytesInMetric);
  const std::optional<double> cpu_before = ProcessCpuSeconds(broker.pid());
  const std::optional<int64_t> written_before = ProcessStorageWriteBytes(broker.pid());
  const double client_cpu_before = SelfCpuSeconds();
  absl::StatusOr<ProduceResult> result = RunProduceLoad(load);
  run.client_cpu_seconds = SelfCpuSeconds() - client_cpu_before;
  const std::optional<double> cpu_after = ProcessCpuSeconds(broker.pid());
  const std::optional<int64_t> written_after = ProcessStorageWriteBytes(broker.pid());
  const absl::StatusOr<double> bytes_after = broker.MetricSum(kBytesInMetric);
  if (counter) {
    absl::StatusOr<int64_t> fsyncs = counter->StopAndCount(broker.pid());
    if (!fsyncs.ok()) return fsyncs.status();
    run.fsyncs = *fsyncs;
  }
  if (!result.ok()) return result.status();
  if (!bytes_before.ok() || !bytes_after.ok()) return bytes_before.ok() ? bytes_after.status() : bytes_before.status();
  if (!cpu_before || !cpu_after || !written_before || !written_after) return absl::UnavailableError("cairnd is gone");
  if (result->records_failed > 0) {
    return absl::InternalError(
        Format("%" PRId64 " records failed, first: %s", result->records_failed, result->first_error.c_str()));
  }
  run.client = std::move(*result);
  run.broker_bytes = static_cast<int64_t>(*bytes_after - *bytes_before);
  run.broker_cpu_seconds = *cpu_after - *cpu_before;
  run.storage_write_bytes = *written_after - *written_before;
  report.Progress(Format("  %s: %" PRId64 " records, %.1f MB appended in %.2f s = %.1f MB/s; cpu: broker %.2f s, "
                         "producer %.2f s; fsyncs %" PRId64 "; p50 %.2f ms",
                         topic.c_str(), run.client.records_acknowledged, Mb(static_cast<double>(run.broker_bytes)),
                         run.client.seconds, run.mb_per_s(), run.broker_cpu_seconds, run.client_cpu_seconds, run.fsyncs,
                         static_cast<double>(run.client.latency.Percentile(0.5)) / 1e6));
  return run;
}

void ReportRun(BenchReport& report, const std::string& key, const std::string& label, const ProduceRun& run,
               int64_t record_bytes) {
  const double records_per_s = static_cast<double>(run.client.records_acknowledged) / run.client.seconds;
  report.Row(label, Format("%.0f rec/s, %.1f MB/s (records %.1f MB/s)", records_per_s, run.mb_per_s(),
                           Mb(records_per_s * static_cast<double>(record_bytes))));
  report.Add(key + "_records", run.client.records_acknowledged);
  report.Add(key + "_seconds", run.client.seconds);
  report.Add(key + "_records_per_s", records_per_s);
  report.Add(key + "_broker_bytes", run.broker_bytes);
  report.Add(key + "_mb_per_s", run.mb_per_s());
  report.Add(key + "_broker_cpu_seconds", run.broker_cpu_seconds);
  report.Add(key + "_producer_cpu_seconds", run.client_cpu_seconds);
  report.Add(key + "_storage_write_bytes", run.storage_write_bytes);
  report.Add(key + "_fsyncs", run.fsyncs);
  const LatencyHistogram& latency = run.client.latency;
  report.Add(key + "_latency_p50_ms", static_cast<double>(latency.Percentile(0.5)) / 1e6);
  report.Add(key + "_latency_p99_ms", static_cast<double>(latency.Percentile(0.99)) / 1e6);
  report.Add(key + "_latency_p999_ms", static_cast<double>(latency.Percentile(0.999)) / 1e6);
  report.Add(key + "_latency_max_ms", static_cast<double>(latency.max()) / 1e6);
  report.Add(key + "_max_unacknowledged_bytes", run.client.max_unacknowledged_bytes);
}

}  // namespace

absl::StatusOr<ProducedTopic> RunProducePhase(const BrokerProcess& broker, const KafkaBenchOptions& options,
                                              BenchReport& report) {
  const bool count_fsyncs = options.bytes_per_sync == 0;
  report.Progress(Format("produce: %" PRId64 " B records, acks=all, %d partitions, linger.ms=%d, batch.size=%" PRId64
                         ", %" PRId64 " B queued per producer",
                         options.record_bytes, options.partitions, options.linger_ms, options.batch_bytes,
                         options.in_flight_bytes));
  absl::StatusOr<ProduceRun> first = MeasureProduce(broker, options, "bench-produce-a", count_fsyncs, report);
  if (!first.ok()) return first.status();
  if (count_fsyncs && first->fsyncs <= 0) {
    return absl::FailedPreconditionError("perf saw no " + options.fsync_tracepoint +
                                         " from cairnd: is --dir on another filesystem? (see --fsync-tracepoint, "
                                         "--bytes-per-sync)");
  }
  const int64_t bytes_per_sync = count_fsyncs ? first->broker_bytes / first->fsyncs : options.bytes_per_sync;
  // Rounded to whole pages, as storage_bench does.
  const int64_t chunk = std::max<int64_t>(4096, (bytes_per_sync + 2048) / 4096 * 4096);
  // The baseline is one plain loop; the broker's partitions sync
  // their own files at the same time, so a loop per partition is measured
  // too: the same bytes per sync with the same overlap.
  const int64_t bytes = first->broker_bytes;
  report.Progress(Format("baseline: write+fdatasync of %" PRId64 " B in %" PRId64 " B pieces, 1 and %d streams", bytes,
                         chunk, options.partitions));
  const double cpu_start = SelfCpuSeconds();
  absl::StatusOr<double> one_stream_seconds = WriteSyncSeconds(options.dir + "/baseline", bytes, chunk, 1);
  if (!one_stream_seconds.ok()) return one_stream_seconds.status();
  const double cpu_between = SelfCpuSeconds();
  absl::StatusOr<double> streams_seconds =
      WriteSyncSeconds(options.dir + "/baseline", bytes, chunk, options.partitions);
  if (!streams_seconds.ok()) return streams_seconds.status();
  const double one_stream_cpu = cpu_between - cpu_start;
  const double streams_cpu = SelfCpuSeconds() - cpu_between;
  const double one_stream_mbps = Mb(static_cast<double>(bytes)) / *one_stream_seconds;
  const double streams_mbps = Mb(static_cast<double>(bytes)) / *streams_seconds;
  report.Progress(Format("  %.1f MB/s, cpu %.2f s (1 stream); %.1f MB/s, cpu %.2f s (%d streams)", one_stream_mbps,
                         one_stream_cpu, streams_mbps, streams_cpu, options.partitions));
  absl::StatusOr<ProduceRun> second = MeasureProduce(broker, options, "bench-produce-b", count_fsyncs, report);
  if (!second.ok()) return second.status();

  ReportRun(report, "produce_a", Format("produce %" PRId64 " B acks=all, run A", options.record_bytes), *first,
            options.record_bytes);
  ReportRun(report, "produce_b", "produce, run A' (after the baseline)", *second, options.record_bytes);
  const LatencyHistogram& latency = first->client.latency;
  report.Row("produce latency p50/p99/p999/max (A)",
             Format("%.1f / %.1f / %.1f / %.1f ms", static_cast<double>(latency.Percentile(0.5)) / 1e6,
                    static_cast<double>(latency.Percentile(0.99)) / 1e6,
                    static_cast<double>(latency.Percentile(0.999)) / 1e6, static_cast<double>(latency.max()) / 1e6));
  report.Row("broker fdatasyncs, bytes per sync (A)",
             count_fsyncs ? Format("%" PRId64 ", %" PRId64 " B", first->fsyncs, bytes_per_sync)
                          : Format("not counted, %" PRId64 " B given", bytes_per_sync));
  report.Row("CPU per record (A): broker, producer",
             Format("%.2f us, %.2f us",
                    first->broker_cpu_seconds * 1e6 / static_cast<double>(first->client.records_acknowledged),
                    first->client_cpu_seconds * 1e6 / static_cast<double>(first->client.records_acknowledged)));
  const double produce_mbps = (first->mb_per_s() + second->mb_per_s()) / 2;
  const double ratio = produce_mbps / one_stream_mbps;
  const double streams_ratio = produce_mbps / streams_mbps;
  report.Row("durable produce (mean of A, A') / baseline", Format("%.1f MB/s", produce_mbps),
             Format("write+fdatasync %" PRId64 " B/sync, 1 file: %.1f MB/s", chunk, one_stream_mbps),
             Format("%.2f >= 0.70", ratio), Verdict(ratio >= 0.70));
  report.Row("  same, against one loop per partition", "",
             Format("%d files at once: %.1f MB/s", options.partitions, streams_mbps),
             Format("%.2f (stricter) >= 0.70", streams_ratio), Verdict(streams_ratio >= 0.70));
  report.Add("bytes_per_sync", bytes_per_sync);
  report.Add("baseline_chunk_bytes", chunk);
  report.Add("baseline_seconds", *one_stream_seconds);
  report.Add("baseline_mb_per_s", one_stream_mbps);
  report.Add("baseline_cpu_seconds", one_stream_cpu);
  report.Add("baseline_streams_cpu_seconds", streams_cpu);
  report.Add("baseline_streams", static_cast<int64_t>(options.partitions));
  report.Add("baseline_streams_seconds", *streams_seconds);
  report.Add("baseline_streams_mb_per_s", streams_mbps);
  report.Add("produce_mean_mb_per_s", produce_mbps);
  report.Add("produce_vs_baseline", ratio);
  report.Add("produce_vs_baseline_streams", streams_ratio);
  return ProducedTopic{"bench-produce-a", options.partitions, first->client.records_acknowledged, first->broker_bytes};
}

}  // namespace cairn::bench
