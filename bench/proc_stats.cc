// /proc parsing for the benchmark (field layouts: proc(5)).
#include "bench/proc_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cairn::bench {
namespace {

// The value of a "Name:   123 kB" line of /proc/<pid>/status, in bytes.
std::optional<int64_t> StatusKbField(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size() + 1, name + ":") != 0) continue;
    return std::strtoll(line.c_str() + name.size() + 1, nullptr, 10) * 1024;
  }
  return std::nullopt;
}

// utime + stime, in seconds, of a /proc/.../stat file.
std::optional<double> StatCpuSeconds(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields are
  // counted from the last ')'. utime and stime are fields 14 and 15.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<double> ProcessCpuSeconds(pid_t pid) { return StatCpuSeconds("/proc/" + std::to_string(pid) + "/stat"); }

double SelfThreadsCpuSeconds(const std::string& prefix) {
  double seconds = 0;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (!std::getline(comm, name) || name.compare(0, prefix.size(), prefix) != 0) continue;
    seconds += StatCpuSeconds(task.path() / "stat").value_or(0);
  }
  return seconds;
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::optional<int64_t> ProcessRssBytes(pid_t pid) { return StatusKbField(pid, "VmRSS"); }

std::optional<int64_t> ProcessPeakRssBytes(pid_t pid) { return StatusKbField(pid, "VmHWM"); }

std::optional<int64_t> ProcessStorageWriteBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("write_bytes:", 0) == 0) return std::strtoll(line.c_str() + 12, nullptr, 10);
  }
  return std::nullopt;
}

RssSampler::RssSampler(pid_t pid, int interval_ms) : pid_(pid), interval_ms_(interval_ms) {
  thread_ = std::thread([this] { Loop(); });
}

RssSampler::~RssSampler() { Stop(); }

int64_t RssSampler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return peak_bytes_;
}

void RssSampler::Loop() {
  while (!stop_) {
    if (std::optional<int64_t> rss = ProcessRssBytes(pid_)) peak_bytes_ = std::max<int64_t>(peak_bytes_, *rss);
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
  }
}

}  // namespace cairn::bench
