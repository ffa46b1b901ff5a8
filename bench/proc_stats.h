// What the benchmark reads about the broker process from /proc: CPU time
// (this VM has no hardware counters), resident memory, and bytes written to
// storage. Each reader returns nullopt if the process is gone.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace cairn::bench {

// utime + stime of every thread of `pid`, living or exited (io_uring's
// io-wq workers are threads of the process, so their CPU counts too), in
// seconds. Resolution: one clock tick (10 ms at USER_HZ 100).
std::optional<double> ProcessCpuSeconds(pid_t pid);

// CPU seconds (user + system) of this process, all its threads: the
// benchmark's clients or baselines.
double SelfCpuSeconds();

// CPU seconds of this process's living threads whose name (comm) starts
// with `prefix`: e.g. "rdk:broker", the threads in which librdkafka reads
// and parses responses.
double SelfThreadsCpuSeconds(const std::string& prefix);

// VmRSS and VmHWM (the peak of VmRSS since start) of /proc/<pid>/status, in bytes.
std::optional<int64_t> ProcessRssBytes(pid_t pid);
std::optional<int64_t> ProcessPeakRssBytes(pid_t pid);

// write_bytes of /proc/<pid>/io: bytes the process caused to be sent to
// the storage layer (written back from the page cache, possibly later).
std::optional<int64_t> ProcessStorageWriteBytes(pid_t pid);

// Samples VmRSS of a process every `interval_ms` on its own thread and keeps
// the largest value seen, from construction until Stop() (or destruction).
class RssSampler {
 public:
  RssSampler(pid_t pid, int interval_ms);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Stops sampling; returns the peak VmRSS seen, in bytes.
  int64_t Stop();

 private:
  void Loop();

  const pid_t pid_;
  const int interval_ms_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_bytes_{0};
  std::thread thread_;
};

}  // namespace cairn::bench
