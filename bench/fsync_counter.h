// Counts the fsync/fdatasync calls one process makes, whatever issues them.
// The broker syncs through io_uring, which strace cannot see and /proc does
// not count, and /metrics has no fsync counter; so this records a kernel
// tracepoint (ext4:ext4_sync_file_enter by default) system-wide with
// `perf record -a` and keeps the samples whose pid (thread group) is the
// process's: io_uring's io-wq workers belong to the process that owns the ring.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cairn::bench {

class FsyncCounter {
 public:
  // Starts `perf record` on `tracepoint`, writing to `data_path`; returns
  // once perf has had time to attach.
  static absl::StatusOr<std::unique_ptr<FsyncCounter>> Start(const std::string& tracepoint,
                                                             const std::string& data_path);
  ~FsyncCounter();
  FsyncCounter(const FsyncCounter&) = delete;
  FsyncCounter& operator=(const FsyncCounter&) = delete;

  // Stops perf and counts the events of process `pid` since Start.
  absl::StatusOr<int64_t> StopAndCount(pid_t pid);

 private:
  FsyncCounter(pid_t perf_pid, std::string data_path) : perf_pid_(perf_pid), data_path_(std::move(data_path)) {}
  absl::Status StopPerf();

  pid_t perf_pid_;
  const std::string data_path_;
};

}  // namespace cairn::bench
