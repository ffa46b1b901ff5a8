// The physical baselines of the comparison, in the same run as the brokers:
// sequential write+fdatasync in one file at a given number of bytes per sync
// (run.sh passes Cairn's measured bytes per fsync), and loopback TCP
// bandwidth through one connection. Both come from kafka_bench's code.
//
// usage: baselines_compare --dir DIR --bytes N --bytes-per-sync N --loopback-bytes N
#include <cstdio>
#include <optional>
#include <string>

#include "bench/bench_report.h"
#include "bench/fsync_baseline.h"
#include "bench/loopback_baseline.h"
#include "bench/size_flag.h"

int main(int argc, char** argv) {
  using namespace cairn::bench;
  std::string dir;
  int64_t bytes = 256LL << 20;
  int64_t bytes_per_sync = 1LL << 20;
  int64_t loopback_bytes = 4LL << 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::optional<int64_t> size = ParseSize(argv[i + 1], 1);
    if (flag == "--dir") dir = argv[i + 1];
    else if (flag == "--bytes" && size) bytes = *size;
    else if (flag == "--bytes-per-sync" && size) bytes_per_sync = *size;
    else if (flag == "--loopback-bytes" && size) loopback_bytes = *size;
    else dir.clear(), i = argc;
  }
  if (dir.empty() || argc % 2 != 1) {
    std::fputs("usage: baselines_compare --dir DIR --bytes N --bytes-per-sync N --loopback-bytes N\n", stderr);
    return 2;
  }
  // Whole pages, as kafka_bench rounds its chunk.
  const int64_t chunk = std::max<int64_t>(4096, (bytes_per_sync + 2048) / 4096 * 4096);
  absl::StatusOr<double> sync_seconds = WriteSyncSeconds(dir + "/baseline", bytes, chunk, 1);
  if (!sync_seconds.ok()) {
    std::fprintf(stderr, "baselines_compare: %s\n", sync_seconds.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<double> loopback_seconds = LoopbackTransferSeconds(loopback_bytes, 1 << 20);
  if (!loopback_seconds.ok()) {
    std::fprintf(stderr, "baselines_compare: %s\n", loopback_seconds.status().ToString().c_str());
    return 1;
  }
  BenchReport report;
  report.Add("fsync_bytes", bytes);
  report.Add("fsync_bytes_per_sync", chunk);
  report.Add("fsync_mb_per_s", static_cast<double>(bytes) / 1e6 / *sync_seconds);
  report.Add("loopback_bytes", loopback_bytes);
  report.Add("loopback_mb_per_s", static_cast<double>(loopback_bytes) / 1e6 / *loopback_seconds);
  report.PrintJson(stdout);
  return 0;
}
