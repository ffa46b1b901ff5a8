// kafka_bench: cairnd measured through the Kafka protocol with librdkafka
// clients, each figure against a baseline taken in the same run (the
// machine is shared and noisy): durable produce vs write+fdatasync, fetch vs
// loopback TCP, broker CPU per record, idle RSS and RSS under a produce
// flood. docs/benchmarks.md "Broker (Kafka protocol)" has the method and figures.
//
// The broker is a child process started from the build with its data under
// --dir; the bench reads its CPU and memory from /proc and its byte counts
// from /metrics.
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bench/bench_report.h"
#include "bench/broker_process.h"
#include "bench/kafka_bench_options.h"
#include "bench/kafka_bench_phases.h"

namespace cairn::bench {
namespace {

void ReportMachine(const KafkaBenchOptions& options, BenchReport& report) {
  utsname name{};
  uname(&name);
  struct statfs fs {};
  statfs(options.dir.c_str(), &fs);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  report.Progress(Format("machine: %ld cpus, kernel %s, --dir %s on filesystem type 0x%lx, load average %.2f",
                         sysconf(_SC_NPROCESSORS_ONLN), name.release, options.dir.c_str(),
                         static_cast<unsigned long>(fs.f_type), load[0]));
  report.Add("cpus", static_cast<int64_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  report.Add("kernel", std::string(name.release));
  report.Add("filesystem_type", static_cast<int64_t>(fs.f_type));
  report.Add("load_average_1m", load[0]);
  report.Add("cairnd", options.cairnd);
}

absl::Status RunWithMainBroker(const KafkaBenchOptions& options, BenchReport& report) {
  BrokerOptions broker_options;
  broker_options.binary = options.cairnd;
  broker_options.data_dir = options.dir + "/data";
  broker_options.log_path = options.dir + "/cairnd.log";
  if (options.smp > 0) broker_options.overrides.push_back(Format("smp=%d", options.smp));
  absl::StatusOr<std::unique_ptr<BrokerProcess>> broker = BrokerProcess::Start(broker_options);
  if (!broker.ok()) return broker.status();
  report.Progress(Format("cairnd pid %d on %s", (*broker)->pid(), (*broker)->bootstrap().c_str()));
  if (options.Has("memory")) {
    if (absl::Status idle = ReportIdleRss(**broker, report); !idle.ok()) return idle;
  }
  if (options.Has("produce")) {
    absl::StatusOr<ProducedTopic> produced = RunProducePhase(**broker, options, report);
    if (!produced.ok()) return produced.status();
    if (options.Has("fetch")) {
      if (absl::Status fetched = RunFetchPhase(**broker, *produced, options, report); !fetched.ok()) return fetched;
    }
  }
  if (options.Has("cpu")) {
    if (absl::Status cpu = RunCpuPhase(**broker, options, report); !cpu.ok()) return cpu;
  }
  return (*broker)->Stop();
}

int Run(const KafkaBenchOptions& options) {
  BenchReport report;
  std::error_code ec;
  std::filesystem::remove_all(options.dir, ec);
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    std::fprintf(stderr, "kafka_bench: cannot create %s: %s\n", options.dir.c_str(), ec.message().c_str());
    return 1;
  }
  ReportMachine(options, report);
  absl::Status status = RunWithMainBroker(options, report);
  if (status.ok() && options.Has("memory")) status = RunMemoryFloodPhase(options, report);
  if (!status.ok()) {
    std::fprintf(stderr, "kafka_bench: %s (broker logs under %s)\n", status.ToString().c_str(), options.dir.c_str());
    return 1;
  }
  if (options.json) {
    report.PrintJson(stdout);
  } else {
    report.PrintTable(stdout);
  }
  if (!options.json_file.empty()) {
    std::FILE* out = std::fopen(options.json_file.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "kafka_bench: cannot write %s\n", options.json_file.c_str());
      return 1;
    }
    report.PrintJson(out);
    std::fclose(out);
  }
  std::filesystem::remove_all(options.dir, ec);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  cairn::bench::KafkaBenchOptions options;
  if (!cairn::bench::ParseKafkaBenchOptions(argc, argv, &options)) return 2;
  return cairn::bench::Run(options);
}
