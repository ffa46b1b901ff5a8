// The drivers' shared main (see compare_main.h).
#include "bench/compare/compare_main.h"

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "bench/bench_report.h"
#include "bench/compare/load_runner.h"
#include "bench/fsync_counter.h"
#include "bench/proc_stats.h"
#include "bench/size_flag.h"

namespace cairn::bench::compare {
namespace {

constexpr const char* kUsage =
    "usage: %s --port N [--host H] [--name PREFIX] [--connections N] [--record-bytes N]\n"
    "          [--total-bytes N] [--window-bytes N] [--rate RECORDS_PER_S --seconds S]\n"
    "          [--server-pid PID [--perf-data FILE] [--fsync-tracepoint EVENT]]\n"
    "Produces to the server with N connections, one log each, at most --window-bytes\n"
    "unacknowledged per connection: --total-bytes as fast as that allows, or with\n"
    "--rate, that many records/s in all for --seconds. Prints one JSON object.\n"
    "Sizes take a K/M/G suffix (powers of 1024).\n";

bool Parse(int argc, char** argv, CompareOptions* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--host") { o->host = value; continue; }
    if (flag == "--name") { o->name = value; continue; }
    if (flag == "--perf-data") { o->perf_data = value; continue; }
    if (flag == "--fsync-tracepoint") { o->fsync_tracepoint = value; continue; }
    if (flag == "--rate") { o->rate = std::atof(value); continue; }
    if (flag == "--seconds") { o->seconds = std::atof(value); continue; }
    const std::optional<int64_t> size = ParseSize(value, 1);
    if (!size) return false;
    if (flag == "--port") o->port = static_cast<int>(*size);
    else if (flag == "--connections") o->connections = static_cast<int>(*size);
    else if (flag == "--record-bytes") o->record_bytes = *size;
    else if (flag == "--total-bytes") o->total_bytes = *size;
    else if (flag == "--window-bytes") o->window_bytes = *size;
    else if (flag == "--server-pid") o->server_pid = static_cast<int>(*size);
    else return false;
  }
  return argc % 2 == 1 && o->port > 0 && o->record_bytes >= 8;
}

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

int CompareMain(int argc, char** argv, const CompareSystem& system) {
  CompareOptions options;
  if (!Parse(argc, argv, &options)) {
    std::fprintf(stderr, kUsage, argv[0]);
    return 2;
  }
  auto fail = [&](const absl::Status& status) {
    std::fprintf(stderr, "%s: %s\n", argv[0], status.ToString().c_str());
    return 1;
  };
  if (system.setup) {
    if (absl::Status s = system.setup(options); !s.ok()) return fail(s);
  }
  LoadSpec spec;
  spec.connections = options.connections;
  spec.record_bytes = options.record_bytes;
  spec.window = options.window_records();
  spec.records_per_second = options.rate;
  spec.records = options.rate > 0 ? static_cast<int64_t>(options.rate * options.seconds)
                                  : options.total_bytes / options.record_bytes;

  // The server's own view of the run: how often it synced and what it wrote.
  std::unique_ptr<FsyncCounter> fsyncs;
  std::optional<int64_t> written_before;
  std::optional<double> cpu_before;
  if (options.server_pid > 0) {
    absl::StatusOr<std::unique_ptr<FsyncCounter>> started = FsyncCounter::Start(options.fsync_tracepoint, options.perf_data);
    if (!started.ok()) return fail(started.status());
    fsyncs = std::move(*started);
    written_before = ProcessStorageWriteBytes(options.server_pid);
    cpu_before = ProcessCpuSeconds(options.server_pid);
  }
  const double client_cpu_before = SelfCpuSeconds();
  absl::StatusOr<LoadResult> result = RunLoad(spec, [&](int index) { return system.open(options, index); });
  BenchReport report;
  // The driver's own CPU: on a 2-core machine it competes with the server.
  report.Add("client_cpu_seconds", SelfCpuSeconds() - client_cpu_before);
  if (fsyncs) {
    const std::optional<int64_t> written_after = ProcessStorageWriteBytes(options.server_pid);
    const std::optional<double> cpu_after = ProcessCpuSeconds(options.server_pid);
    absl::StatusOr<int64_t> count = fsyncs->StopAndCount(options.server_pid);
    if (!count.ok()) return fail(count.status());
    const int64_t written = written_before && written_after ? *written_after - *written_before : -1;
    report.Add("server_fsyncs", *count);
    report.Add("server_write_bytes", written);
    report.Add("server_bytes_per_fsync", *count > 0 && written > 0 ? written / *count : int64_t{0});
    if (cpu_before && cpu_after) report.Add("server_cpu_seconds", *cpu_after - *cpu_before);
  }
  if (!result.ok()) return fail(result.status());

  const double records_per_s = static_cast<double>(result->records) / result->seconds;
  report.Add("system", system.name);
  report.Add("mode", std::string(options.rate > 0 ? "rate" : "throughput"));
  report.Add("record_bytes", options.record_bytes);
  report.Add("connections", static_cast<int64_t>(options.connections));
  report.Add("window_records", options.window_records());
  report.Add("offered_records_per_s", options.rate);
  report.Add("records", result->records);
  report.Add("seconds", result->seconds);
  report.Add("records_per_s", records_per_s);
  report.Add("mb_per_s", records_per_s * static_cast<double>(options.record_bytes) / 1e6);
  report.Add("latency_p50_ms", Ms(result->latency.Percentile(0.5)));
  report.Add("latency_p99_ms", Ms(result->latency.Percentile(0.99)));
  report.Add("latency_p999_ms", Ms(result->latency.Percentile(0.999)));
  report.Add("latency_max_ms", Ms(result->latency.max()));
  report.PrintJson(stdout);
  return 0;
}

}  // namespace cairn::bench::compare
