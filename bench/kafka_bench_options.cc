// Flag parsing for kafka_bench.
#include "bench/kafka_bench_options.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "bench/size_flag.h"

namespace cairn::bench {
namespace {

constexpr const char* kUsage =
    "usage: kafka_bench [--cairnd PATH] [--dir DIR] [--smp N] [--json] [--json-file FILE]\n"
    "                   [--phases produce,fetch,cpu,memory]\n"
    "                   [--partitions N] [--produce-bytes N] [--record-bytes N] [--linger-ms N]\n"
    "                   [--batch-bytes N] [--in-flight-bytes N] [--fsync-tracepoint EVENT]\n"
    "                   [--bytes-per-sync N] [--fetch-partition-bytes N]\n"
    "                   [--cpu-records N] [--cpu-record-bytes N]\n"
    "                   [--flood-budget-bytes N] [--flood-bytes N] [--flood-producers N]\n"
    "Starts cairnd (default: ../app/cairnd beside this binary) with its data under DIR\n"
    "and measures it with librdkafka clients against baselines taken in the same run.\n"
    "fetch reads what produce wrote, so it needs produce. Sizes take a K/M/G suffix\n"
    "(powers of 1024). --bytes-per-sync skips perf and sets the baseline's sync size.\n";

std::vector<std::string> SplitCommas(const std::string& list) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= list.size();) {
    const size_t comma = std::min(list.find(',', pos), list.size());
    out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

std::string DefaultCairnd() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path() / "app" / "cairnd").string();
}

bool Fail(const std::string& why) {
  std::fprintf(stderr, "kafka_bench: %s\n%s", why.c_str(), kUsage);
  return false;
}

}  // namespace

bool ParseKafkaBenchOptions(int argc, char** argv, KafkaBenchOptions* options) {
  options->cairnd = DefaultCairnd();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--json") {
      options->json = true;
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) return Fail(flag + " needs a value");
    const char* value = argv[++i];
    if (flag == "--cairnd") {
      options->cairnd = value;
    } else if (flag == "--dir") {
      options->dir = value;
    } else if (flag == "--json-file") {
      options->json_file = value;
    } else if (flag == "--fsync-tracepoint") {
      options->fsync_tracepoint = value;
    } else if (flag == "--phases") {
      options->phases = SplitCommas(value);
      for (const std::string& phase : options->phases) {
        if (phase != "produce" && phase != "fetch" && phase != "cpu" && phase != "memory") {
          return Fail("unknown phase '" + phase + "'");
        }
      }
      if (options->Has("fetch") && !options->Has("produce")) return Fail("fetch reads what produce wrote");
    } else {
      const std::optional<int64_t> size = bench::ParseSize(value);
      if (!size) return Fail("bad value '" + std::string(value) + "' for " + flag);
      const int small = static_cast<int>(std::min<int64_t>(*size, INT_MAX));
      if (flag == "--smp") options->smp = small;
      else if (flag == "--partitions") options->partitions = std::max(1, small);
      else if (flag == "--produce-bytes") options->produce_bytes = *size;
      else if (flag == "--record-bytes") options->record_bytes = std::max<int64_t>(1, *size);
      else if (flag == "--linger-ms") options->linger_ms = small;
      else if (flag == "--batch-bytes") options->batch_bytes = *size;
      else if (flag == "--in-flight-bytes") options->in_flight_bytes = *size;
      else if (flag == "--bytes-per-sync") options->bytes_per_sync = *size;
      else if (flag == "--fetch-partition-bytes") options->fetch_partition_bytes = std::max<int64_t>(1, *size);
      else if (flag == "--cpu-records") options->cpu_records = *size;
      else if (flag == "--cpu-record-bytes") options->cpu_record_bytes = std::max<int64_t>(1, *size);
      else if (flag == "--flood-budget-bytes") options->flood_budget_bytes = *size;
      else if (flag == "--flood-bytes") options->flood_bytes = *size;
      else if (flag == "--flood-producers") options->flood_producers = std::max(1, small);
      else return Fail("unknown flag " + flag);
    }
  }
  return true;
}

}  // namespace cairn::bench
