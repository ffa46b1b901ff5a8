// kafka_bench's CPU phase: broker CPU time per small record when records
// arrive in big batches (see kafka_bench_phases.h). There are no hardware
// counters on the VM, so the figure is utime+stime from /proc; at 10 ms per
// tick the phase sends millions of records to keep the error below 1%.
#include <cinttypes>
#include <optional>

#include "bench/kafka_admin.h"
#include "bench/kafka_bench_phases.h"
#include "bench/kafka_produce_driver.h"
#include "bench/proc_stats.h"

namespace cairn::bench {

absl::Status RunCpuPhase(const BrokerProcess& broker, const KafkaBenchOptions& options, BenchReport& report) {
  const std::string topic = "bench-cpu";
  if (absl::Status created = CreateTopic(broker.bootstrap(), topic, options.partitions); !created.ok()) return created;
  ProduceLoad load;
  load.topic = topic;
  load.partitions = options.partitions;
  load.record_bytes = options.cpu_record_bytes;
  load.records = options.cpu_records;
  load.bytes_per_partition_turn = options.batch_bytes;
  KafkaBenchOptions big_batches = options;
  big_batches.linger_ms = std::max(options.linger_ms, 20);  // full batches even though the client is the bottleneck
  load.settings = ProducerSettings(broker.bootstrap(), big_batches);
  report.Progress(Format("cpu: %" PRId64 " records of %" PRId64 " B, acks=all, linger.ms=%d, batch.size=%" PRId64,
                         load.records, load.record_bytes, big_batches.linger_ms, options.batch_bytes));

  const absl::StatusOr<double> bytes_before = broker.MetricSum(kBytesInMetric);
  const std::optional<double> cpu_before = ProcessCpuSeconds(broker.pid());
  absl::StatusOr<ProduceResult> result = RunProduceLoad(load);
  const std::optional<double> cpu_after = ProcessCpuSeconds(broker.pid());
  const absl::StatusOr<double> bytes_after = broker.MetricSum(kBytesInMetric);
  if (!result.ok()) return result.status();
  if (!cpu_before || !cpu_after) return absl::UnavailableError("cairnd is gone");
  if (!bytes_before.ok() || !bytes_after.ok()) return bytes_before.ok() ? bytes_after.status() : bytes_before.status();
  if (result->records_failed > 0) {
    return absl::InternalError(
        Format("%" PRId64 " records failed, first: %s", result->records_failed, result->first_error.c_str()));
  }
  const auto records = static_cast<double>(result->records_acknowledged);
  const double cpu_seconds = *cpu_after - *cpu_before;
  const double us_per_record = cpu_seconds * 1e6 / records;
  const double batch_bytes_per_record = (*bytes_after - *bytes_before) / records;
  report.Progress(Format("  %.0f records in %.2f s (%.0f rec/s); broker cpu %.2f s", records, result->seconds,
                         records / result->seconds, cpu_seconds));
  report.Row(Format("broker CPU per %" PRId64 " B record, batched", options.cpu_record_bytes),
             Format("%.3f us (%.2f s for %.0f records at %.0f rec/s)", us_per_record, cpu_seconds, records,
                    records / result->seconds),
             "", Format("%.3f <= 1 us", us_per_record), Verdict(us_per_record <= 1.0));
  report.Add("cpu_records", result->records_acknowledged);
  report.Add("cpu_seconds", result->seconds);
  report.Add("cpu_records_per_s", records / result->seconds);
  report.Add("cpu_broker_cpu_seconds", cpu_seconds);
  report.Add("cpu_batch_bytes_per_record", batch_bytes_per_record);
  report.Add("cpu_us_per_record", us_per_record);
  return absl::OkStatus();
}

}  // namespace cairn::bench
