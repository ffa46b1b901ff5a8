// kafka_bench's memory phases: idle RSS, and peak RSS under a produce flood
// against a small in-flight request budget (see kafka_bench_phases.h).
#include <chrono>
#include <cinttypes>
#include <filesystem>
#include <optional>
#include <thread>

#include "bench/kafka_admin.h"
#include "bench/kafka_bench_phases.h"
#include "bench/kafka_produce_driver.h"
#include "bench/proc_stats.h"

namespace cairn::bench {
namespace {

constexpr double kIdleRssGoalBytes = 50.0 * (1 << 20);

// A broker that has just become ready is still settling (shard threads
// allocating, first timers): idle means after this.
void SettleIdle() { std::this_thread::sleep_for(std::chrono::seconds(1)); }

}  // namespace

absl::Status ReportIdleRss(const BrokerProcess& broker, BenchReport& report) {
  SettleIdle();
  const std::optional<int64_t> rss = ProcessRssBytes(broker.pid());
  if (!rss) return absl::UnavailableError("cairnd is gone");
  report.Progress(Format("idle RSS: %.1f MiB", Mib(static_cast<double>(*rss))));
  report.Row("idle RSS (default config)", Format("%.1f MiB", Mib(static_cast<double>(*rss))), "", "< 50 MiB",
             Verdict(static_cast<double>(*rss) < kIdleRssGoalBytes));
  report.Add("idle_rss_bytes", *rss);
  return absl::OkStatus();
}

absl::Status RunMemoryFloodPhase(const KafkaBenchOptions& options, BenchReport& report) {
  BrokerOptions broker_options;
  broker_options.binary = options.cairnd;
  broker_options.data_dir = options.dir + "/flood-data";
  broker_options.log_path = options.dir + "/cairnd-flood.log";
  broker_options.overrides.push_back(Format("queued.max.request.bytes=%" PRId64, options.flood_budget_bytes));
  // cairnd wants the budget to hold the largest request; a quarter of it is
  // still far above librdkafka's produce requests (about batch.size).
  broker_options.overrides.push_back(
      Format("socket.request.max.bytes=%" PRId64, std::min<int64_t>(100 << 20, options.flood_budget_bytes / 4)));
  if (options.smp > 0) broker_options.overrides.push_back(Format("smp=%d", options.smp));
  absl::StatusOr<std::unique_ptr<BrokerProcess>> broker = BrokerProcess::Start(broker_options);
  if (!broker.ok()) return broker.status();
  const std::string topic = "bench-flood";
  absl::Status created = CreateTopic((*broker)->bootstrap(), topic, options.partitions);
  if (!created.ok()) return created;
  SettleIdle();
  const std::optional<int64_t> idle = ProcessRssBytes((*broker)->pid());
  if (!idle) return absl::UnavailableError("cairnd is gone");

  // Every producer may queue its whole share, so the clients offer far more
  // than the budget; the broker has to stop reading to stay within it.
  ProduceLoad load;
  load.topic = topic;
  load.partitions = options.partitions;
  load.record_bytes = options.record_bytes;
  load.records = options.flood_bytes / options.record_bytes;
  load.producers = options.flood_producers;
  load.bytes_per_partition_turn = options.batch_bytes;
  KafkaBenchOptions flood = options;
  flood.in_flight_bytes = std::min<int64_t>(options.flood_bytes / options.flood_producers + (1 << 20), 2LL << 30);
  load.settings = ProducerSettings((*broker)->bootstrap(), flood);
  report.Progress(Format("memory: flood of %" PRId64 " B from %d producers against queued.max.request.bytes=%" PRId64
                         "; idle RSS %.1f MiB",
                         options.flood_bytes, options.flood_producers, options.flood_budget_bytes,
                         Mib(static_cast<double>(*idle))));
  RssSampler sampler((*broker)->pid(), 5);
  absl::StatusOr<ProduceResult> result = RunProduceLoad(load);
  const int64_t sampled_peak = sampler.Stop();
  const std::optional<int64_t> high_water = ProcessPeakRssBytes((*broker)->pid());
  if (!result.ok()) return result.status();
  if (!high_water) return absl::UnavailableError("cairnd is gone");
  if (absl::Status stopped = (*broker)->Stop(); !stopped.ok()) return stopped;
  std::error_code ignored;
  std::filesystem::remove_all(broker_options.data_dir, ignored);

  const int64_t peak = std::max(sampled_peak, *high_water);
  const int64_t limit = *idle + options.flood_budget_bytes;
  report.Progress(Format("  %.0f MB/s, %" PRId64 " failed; peak RSS %.1f MiB (sampled %.1f), clients had up to "
                         "%.1f MiB unacknowledged",
                         Mb(static_cast<double>(result->records_acknowledged * options.record_bytes)) / result->seconds,
                         result->records_failed, Mib(static_cast<double>(peak)), Mib(static_cast<double>(sampled_peak)),
                         Mib(static_cast<double>(result->max_unacknowledged_bytes))));
  report.Row(Format("peak RSS, produce flood (%d producers)", options.flood_producers),
             Format("%.1f MiB (clients had up to %.0f MiB unacknowledged)", Mib(static_cast<double>(peak)),
                    Mib(static_cast<double>(result->max_unacknowledged_bytes))),
             Format("idle %.1f MiB + budget %.0f MiB", Mib(static_cast<double>(*idle)),
                    Mib(static_cast<double>(options.flood_budget_bytes))),
             Format("< %.1f MiB", Mib(static_cast<double>(limit))), Verdict(peak < limit));
  report.Add("flood_idle_rss_bytes", *idle);
  report.Add("flood_budget_bytes", options.flood_budget_bytes);
  report.Add("flood_peak_rss_bytes", peak);
  report.Add("flood_sampled_peak_rss_bytes", sampled_peak);
  report.Add("flood_records_acknowledged", result->records_acknowledged);
  report.Add("flood_records_failed", result->records_failed);
  report.Add("flood_seconds", result->seconds);
  report.Add("flood_max_unacknowledged_bytes", result->max_unacknowledged_bytes);
  return absl::OkStatus();
}

}  // namespace cairn::bench
