// storage_bench: PartitionLog on real files against the plain syscalls it is
// built from — durable append (group commit on one shard) vs a write+fdatasync
// loop, sequential Read vs read(2), and the recovery scan. docs/benchmarks.md
// has the method and the figures.
//
// Threading: the append phase runs on one Shard (the log, its callbacks and
// the closed-loop producers all live on the shard thread); the other phases
// are blocking and run on the main thread once the shard has stopped.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/size_flag.h"
#include "common/clock.h"
#include "common/record_batch.h"
#include "io/posix_file_system.h"
#include "io/shard.h"
#include "storage/partition_log.h"
#include "storage/segment_files.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
using storage::PartitionLog;

struct Options {
  std::string dir = "/tmp/cairn-storage-bench";
  int64_t bytes = 1LL << 30;
  int64_t record_bytes = 1024;
  int64_t records_per_batch = 16;
  int64_t writers = 8;
  int64_t depth = 4;  // appends each writer keeps in flight
  int64_t segment_bytes = 1LL << 30;
  bool json = false;
  std::vector<std::string> phases = {"append", "baseline", "read", "recovery"};
  bool Has(const std::string& phase) const { return std::find(phases.begin(), phases.end(), phase) != phases.end(); }
};

constexpr const char* kUsage =
    "usage: storage_bench [--dir DIR] [--bytes N] [--record-bytes N] [--records-per-batch N]\n"
    "                     [--writers W] [--depth K] [--segment-bytes N] [--json]\n"
    "                     [--phases append,baseline,read,recovery]\n"
    "Sizes take an optional K/M/G suffix (powers of 1024). The append phase always\n"
    "runs: the others measure against its log.\n";

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--json") {
      options.json = true;
      continue;
    }
    if (flag == "--help" || i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (flag == "--dir") {
      options.dir = value;
      continue;
    }
    if (flag == "--phases") {
      options.phases.clear();
      std::string list = value;
      for (size_t pos = 0; pos <= list.size();) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        options.phases.push_back(list.substr(pos, comma - pos));
        pos = comma + 1;
      }
      for (const std::string& phase : options.phases) {
        if (phase != "append" && phase != "baseline" && phase != "read" && phase != "recovery") return false;
      }
      continue;
    }
    std::optional<int64_t> size = bench::ParseSize(value, /*min=*/1);
    if (!size) return false;
    if (flag == "--bytes") options.bytes = *size;
    else if (flag == "--record-bytes") options.record_bytes = *size;
    else if (flag == "--records-per-batch") options.records_per_batch = *size;
    else if (flag == "--writers") options.writers = *size;
    else if (flag == "--depth") options.depth = *size;
    else if (flag == "--segment-bytes") options.segment_bytes = *size;
    else return false;
  }
  return true;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "storage_bench: %s\n", what.c_str());
  std::exit(1);
}

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

double Median(std::vector<double> values) { return Percentile(std::move(values), 0.5); }

// CPU seconds (user, system) of the calling thread, or of the whole process
// (which includes the kernel's io_uring worker threads).
std::pair<double, double> CpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

// Bytes this process caused to be fetched from the storage layer
// (/proc/self/io read_bytes): what a cold read really cost the disk.
uint64_t DiskReadBytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "read_bytes:") return value;
  }
  return 0;
}

// Results as an ordered flat JSON object, and as human lines unless --json.
class Report {
 public:
  explicit Report(bool json) : json_(json) {}
  void Line(const std::string& text) {
    if (!json_) std::printf("%s\n", text.c_str());
    std::fflush(stdout);
  }
  void Add(const std::string& key, double value) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.6g", value);
    fields_.emplace_back(key, text);
  }
  void Add(const std::string& key, int64_t value) { fields_.emplace_back(key, std::to_string(value)); }
  void AddBool(const std::string& key, bool value) { fields_.emplace_back(key, value ? "true" : "false"); }
  void Add(const std::string& key, const std::string& value) {
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    fields_.emplace_back(key, quoted + "\"");
  }
  void PrintJson() const {
    if (!json_) return;
    std::printf("{");
    for (size_t i = 0; i < fields_.size(); ++i) {
      std::printf("%s\n  \"%s\": %s", i == 0 ? "" : ",", fields_[i].first.c_str(), fields_[i].second.c_str());
    }
    std::printf("\n}\n");
  }

 private:
  bool json_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char text[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof(text), format, args);
  va_end(args);
  return text;
}

double Mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

// ---------------------------------------------------------------- machine

std::string FilesystemName(const std::string& dir) {
  struct statfs info {};
  if (statfs(dir.c_str(), &info) != 0) return "unknown";
  const auto type = static_cast<uint64_t>(info.f_type);
  const char* name = "other";
  switch (type) {
    case 0xEF53: name = "ext2/ext3/ext4"; break;
    case 0x58465342: name = "xfs"; break;
    case 0x9123683E: name = "btrfs"; break;
    case 0x01021994: name = "tmpfs"; break;
    case 0x794C7630: name = "overlayfs"; break;
    case 0x2FC12FC1: name = "zfs"; break;
    case 0xF2F52010: name = "f2fs"; break;
  }
  return Format("%s (0x%" PRIx64 ")", name, type);
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// ---------------------------------------------------------------- (a) append

// W closed-loop producers, each keeping K appends in flight against one log:
// a writer issues its next append from the durability callback of its last.
// Lives on the shard thread, like the log.
class AppendDriver {
 public:
  AppendDriver(PartitionLog& log, std::vector<Buffer> batches, int64_t records_per_batch, uint64_t batch_bytes)
      : log_(log),
        batches_(std::move(batches)),
        records_per_batch_(records_per_batch),
        batch_bytes_(batch_bytes),
        issued_at_(batches_.size()),
        latency_us_(batches_.size()) {}

  void Start(int64_t writers, int64_t depth) {
    flushes_before_ = log_.flush_count();
    last_durable_ = log_.durable_offset().value();
    cpu_before_ = CpuSeconds(RUSAGE_THREAD);
    start_ = Clock::now();
    for (int64_t slot = 0; slot < writers * depth; ++slot) IssueNext();
    MaybeFinish();
  }
  std::future<void> finished() { return finished_.get_future(); }

  double seconds() const { return Seconds(start_, end_); }
  double shard_user_seconds() const { return cpu_user_seconds_; }
  double shard_system_seconds() const { return cpu_system_seconds_; }
  int64_t flushes() const { return flushes_; }
  uint64_t appends() const { return completed_; }
  const std::vector<double>& latency_us() const { return latency_us_; }
  const std::vector<double>& flush_bytes() const { return flush_bytes_; }
  const absl::Status& status() const { return status_; }

 private:
  void IssueNext() {
    if (!status_.ok() || next_ >= batches_.size()) return;
    const size_t index = next_++;
    ++in_flight_;
    issued_at_[index] = Clock::now();
    auto info = log_.Append(std::move(batches_[index]), LeaderEpoch(0),
                            [this, index](absl::Status status) { OnDurable(index, std::move(status)); });
    if (!info.ok()) {
      --in_flight_;
      status_.Update(info.status());
    }
  }

  void OnDurable(size_t index, absl::Status status) {
    const Clock::time_point now = Clock::now();
    --in_flight_;
    status_.Update(status);
    latency_us_[index] = std::chrono::duration<double, std::micro>(now - issued_at_[index]).count();
    // Every flush completes at least one append, so the callbacks see each
    // new durable offset: that is one flush cycle's size.
    const int64_t durable = log_.durable_offset().value();
    if (durable > last_durable_) {
      const auto batches = static_cast<double>((durable - last_durable_) / records_per_batch_);
      flush_bytes_.push_back(batches * static_cast<double>(batch_bytes_));
      last_durable_ = durable;
    }
    ++completed_;
    end_ = now;
    IssueNext();
    MaybeFinish();
  }

  void MaybeFinish() {
    if (in_flight_ > 0 || done_) return;
    done_ = true;
    flushes_ = log_.flush_count() - flushes_before_;
    const std::pair<double, double> cpu = CpuSeconds(RUSAGE_THREAD);
    cpu_user_seconds_ = cpu.first - cpu_before_.first;
    cpu_system_seconds_ = cpu.second - cpu_before_.second;
    finished_.set_value();
  }

  PartitionLog& log_;
  std::vector<Buffer> batches_;
  const int64_t records_per_batch_;
  const uint64_t batch_bytes_;
  std::vector<Clock::time_point> issued_at_;
  std::vector<double> latency_us_;
  std::vector<double> flush_bytes_;
  size_t next_ = 0;
  size_t in_flight_ = 0;
  uint64_t completed_ = 0;
  int64_t flushes_before_ = 0;
  int64_t flushes_ = 0;
  int64_t last_durable_ = 0;
  std::pair<double, double> cpu_before_;
  double cpu_user_seconds_ = 0;
  double cpu_system_seconds_ = 0;
  bool done_ = false;
  Clock::time_point start_;
  Clock::time_point end_;
  absl::Status status_;
  std::promise<void> finished_;
};

// Runs `task` on the shard and waits for it.
template <typename Task>
void RunOnShard(io::Shard& shard, Task task) {
  std::promise<void> done;
  shard.Post([&task, &done] {
    task();
    done.set_value();
  });
  done.get_future().wait();
}

// ---------------------------------------------------------------- (b) baseline

// Sequential pwrite of `total` bytes in `chunk`-byte pieces, fdatasync after
// each: blocking syscalls, no io_uring. Returns seconds.
double WriteSyncLoop(const std::string& path, uint64_t total, uint64_t chunk, const Buffer& pattern) {
  const int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) Die(Format("open %s: %s", path.c_str(), std::strerror(errno)));
  Buffer data(chunk);
  for (size_t i = 0; i < data.size(); ++i) data[i] = pattern[i % pattern.size()];
  const Clock::time_point start = Clock::now();
  for (uint64_t position = 0; position < total;) {
    const uint64_t length = std::min(chunk, total - position);
    for (uint64_t done = 0; done < length;) {
      const ssize_t n = pwrite(fd, data.data() + done, length - done, static_cast<off_t>(position + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) Die(Format("pwrite %s: %s", path.c_str(), std::strerror(errno)));
      done += static_cast<uint64_t>(n);
    }
    if (fdatasync(fd) != 0) Die(Format("fdatasync %s: %s", path.c_str(), std::strerror(errno)));
    position += length;
  }
  const double seconds = Seconds(start, Clock::now());
  close(fd);
  unlink(path.c_str());
  return seconds;
}

// ---------------------------------------------------------------- (c) read

// Reads the whole log from offset 0 in 1 MiB fetches. Returns bytes.
uint64_t ReadLog(const PartitionLog& log) {
  uint64_t bytes = 0;
  Offset offset(0);
  while (offset < log.log_end_offset()) {
    auto result = log.Read(offset, 1 << 20, log.log_end_offset(), true);
    if (!result.ok()) Die(Format("Read at %" PRId64 ": %s", offset.value(), result.status().ToString().c_str()));
    if (result->next_offset <= offset) Die("Read made no progress");
    bytes += result->data.size();
    offset = result->next_offset;
  }
  return bytes;
}

// Plain read(2) of each file with a 1 MiB buffer. Returns bytes.
uint64_t ReadFiles(const std::vector<std::string>& paths) {
  Buffer buffer(1 << 20);
  uint64_t bytes = 0;
  for (const std::string& path : paths) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Die(Format("open %s: %s", path.c_str(), std::strerror(errno)));
    while (true) {
      const ssize_t n = read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Die(Format("read %s: %s", path.c_str(), std::strerror(errno)));
      if (n == 0) break;
      bytes += static_cast<uint64_t>(n);
    }
    close(fd);
  }
  return bytes;
}

std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (storage::ParseSegmentName(name, storage::kLogSuffix)) paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// sync; echo 3 > /proc/sys/vm/drop_caches. False when not permitted.
bool DropCaches() {
  sync();
  const int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, "3\n", 2) == 2;
  close(fd);
  return ok;
}

template <typename Fn>
double Time(Fn fn) {
  const Clock::time_point start = Clock::now();
  fn();
  return Seconds(start, Clock::now());
}

std::unique_ptr<PartitionLog> OpenLog(io::FileSystem* fs, const std::string& dir, const storage::LogConfig& config) {
  auto log = PartitionLog::Open(fs, dir, config, &SystemClock::Instance());
  if (!log.ok()) Die(Format("Open %s: %s", dir.c_str(), log.status().ToString().c_str()));
  return *std::move(log);
}

struct AppendFigures {
  double seconds = 0;
  int64_t flushes = 0;
  std::vector<double> latency_us;
  std::vector<double> flush_bytes;
  double shard_user_seconds = 0;
  double shard_system_seconds = 0;
  double process_cpu_seconds = 0;
  int64_t max_io_workers = 0;
};

// io_uring worker threads ("iou-wrk-*") of this process right now.
int64_t CountIoWorkers() {
  int64_t workers = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name) && name.rfind("iou-wrk", 0) == 0) ++workers;
  }
  return workers;
}

// Appends every batch to a new log in `log_dir` on a fresh shard, then
// closes the log cleanly and stops the shard.
AppendFigures RunAppend(const std::string& log_dir, std::vector<Buffer> batches, const storage::LogConfig& config,
                        const Options& options, uint64_t batch_bytes) {
  const size_t batch_count = batches.size();
  auto created = io::Shard::Create(0);
  if (!created.ok()) Die(Format("Shard::Create: %s", created.status().ToString().c_str()));
  std::unique_ptr<io::Shard> shard = *std::move(created);
  shard->Start(/*cpu=*/-1);
  std::unique_ptr<io::PosixFileSystem> shard_fs;
  std::unique_ptr<PartitionLog> log;
  std::unique_ptr<AppendDriver> driver;
  RunOnShard(*shard, [&] {
    shard_fs = std::make_unique<io::PosixFileSystem>(&io::Shard::Current()->ring());
    log = OpenLog(shard_fs.get(), log_dir, config);
    driver = std::make_unique<AppendDriver>(*log, std::move(batches), options.records_per_batch, batch_bytes);
  });
  AppendFigures figures;
  std::future<void> appended = driver->finished();
  const std::pair<double, double> cpu_before = CpuSeconds(RUSAGE_SELF);
  shard->Post([&] { driver->Start(options.writers, options.depth); });
  // Meanwhile, sample how many kernel workers io_uring runs for us.
  while (appended.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    figures.max_io_workers = std::max(figures.max_io_workers, CountIoWorkers());
  }
  const std::pair<double, double> cpu_after = CpuSeconds(RUSAGE_SELF);
  figures.process_cpu_seconds = cpu_after.first - cpu_before.first + cpu_after.second - cpu_before.second;
  absl::Status closed;
  RunOnShard(*shard, [&] {
    closed = log->CloseCleanly();
    log.reset();
    shard_fs.reset();
  });
  shard->Stop();
  if (!driver->status().ok()) Die(Format("append: %s", driver->status().ToString().c_str()));
  if (!closed.ok()) Die(Format("CloseCleanly: %s", closed.ToString().c_str()));
  if (driver->appends() != batch_count) Die("append: not every batch was acknowledged");
  figures.seconds = driver->seconds();
  figures.flushes = driver->flushes();
  figures.latency_us = driver->latency_us();
  figures.flush_bytes = driver->flush_bytes();
  figures.shard_user_seconds = driver->shard_user_seconds();
  figures.shard_system_seconds = driver->shard_system_seconds();
  return figures;
}

void ReportAppend(Report& report, const std::string& name, const AppendFigures& f, uint64_t total_bytes,
                  int64_t total_records) {
  const double mbps = Mb(total_bytes) / f.seconds;
  const double records_per_s = static_cast<double>(total_records) / f.seconds;
  const double bytes_per_flush = static_cast<double>(total_bytes) / static_cast<double>(std::max<int64_t>(f.flushes, 1));
  const double p50_ms = Percentile(f.latency_us, 0.50) / 1e3;
  const double p99_ms = Percentile(f.latency_us, 0.99) / 1e3;
  report.Line(Format("%s (durable, group commit): %.1f MB in %.3f s = %.1f MB/s, %.0f records/s; %" PRId64
                     " flushes, avg %.0f B/flush (flush size p10 %.0f, p50 %.0f, p90 %.0f B); append->durable "
                     "p50 %.2f ms p99 %.2f ms; cpu: shard thread %.2f s user + %.2f s sys, whole process %.2f s, "
                     "up to %" PRId64 " io_uring workers",
                     name.c_str(), Mb(total_bytes), f.seconds, mbps, records_per_s, f.flushes, bytes_per_flush,
                     Percentile(f.flush_bytes, 0.1), Percentile(f.flush_bytes, 0.5), Percentile(f.flush_bytes, 0.9),
                     p50_ms, p99_ms, f.shard_user_seconds, f.shard_system_seconds, f.process_cpu_seconds,
                     f.max_io_workers));
  report.Add(name + "_seconds", f.seconds);
  report.Add(name + "_mb_per_s", mbps);
  report.Add(name + "_records_per_s", records_per_s);
  report.Add(name + "_flushes", f.flushes);
  report.Add(name + "_bytes_per_flush", bytes_per_flush);
  report.Add(name + "_flush_bytes_p10", Percentile(f.flush_bytes, 0.1));
  report.Add(name + "_flush_bytes_p50", Percentile(f.flush_bytes, 0.5));
  report.Add(name + "_flush_bytes_p90", Percentile(f.flush_bytes, 0.9));
  report.Add(name + "_latency_p50_ms", p50_ms);
  report.Add(name + "_latency_p99_ms", p99_ms);
  report.Add(name + "_shard_user_seconds", f.shard_user_seconds);
  report.Add(name + "_shard_system_seconds", f.shard_system_seconds);
  report.Add(name + "_process_cpu_seconds", f.process_cpu_seconds);
  report.Add(name + "_max_io_workers", f.max_io_workers);
}

int Run(const Options& options) {
  Report report(options.json);
  const std::string log_dir = options.dir + "/bench-0";
  std::error_code ec;
  std::filesystem::remove_all(options.dir, ec);
  std::filesystem::create_directories(options.dir, ec);
  if (ec) Die(Format("mkdir %s: %s", options.dir.c_str(), ec.message().c_str()));

  utsname uts{};
  uname(&uts);
  const auto nproc = static_cast<int64_t>(sysconf(_SC_NPROCESSORS_ONLN));
  const std::string fs_name = FilesystemName(options.dir);
  const std::string cpu = CpuModel();
  report.Line(Format("machine: nproc=%" PRId64 " cpu=\"%s\" kernel=%s dir=%s fs=%s", nproc, cpu.c_str(), uts.release,
                     options.dir.c_str(), fs_name.c_str()));
  report.Add("nproc", nproc);
  report.Add("cpu", cpu);
  report.Add("kernel", std::string(uts.release));
  report.Add("dir", options.dir);
  report.Add("filesystem", fs_name);

  // The producers' batches, built before the clock starts (they arrive from
  // the network in the broker). Random values, so nothing compresses.
  std::mt19937_64 rng(42);
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> records;
  for (int64_t r = 0; r < options.records_per_batch; ++r) {
    std::string value(static_cast<size_t>(options.record_bytes), '\0');
    for (char& c : value) c = static_cast<char>('a' + rng() % 26);
    records.emplace_back(std::nullopt, std::move(value));
  }
  const Buffer batch = MakeRecordBatch(records, Compression::kNone, SystemClock::Instance().NowMs());
  const uint64_t batch_bytes = batch.size();
  const auto batch_count = static_cast<size_t>((static_cast<uint64_t>(options.bytes) + batch_bytes - 1) / batch_bytes);
  const uint64_t total_bytes = batch_count * batch_bytes;
  const int64_t total_records = static_cast<int64_t>(batch_count) * options.records_per_batch;
  std::vector<Buffer> batches(batch_count, batch);

  storage::LogConfig config;
  config.segment_bytes = options.segment_bytes;
  config.max_batch_bytes = std::max<int64_t>(config.max_batch_bytes, static_cast<int64_t>(batch_bytes));
  report.Line(Format("config: bytes=%" PRIu64 " (%zu batches of %" PRIu64 " B = %" PRId64 " records of %" PRId64
                     " B) writers=%" PRId64 " in_flight_per_writer=%" PRId64 " segment_bytes=%" PRId64,
                     total_bytes, batch_count, batch_bytes, options.records_per_batch, options.record_bytes,
                     options.writers, options.depth, options.segment_bytes));
  report.Add("bytes", static_cast<int64_t>(total_bytes));
  report.Add("batch_bytes", static_cast<int64_t>(batch_bytes));
  report.Add("record_bytes", options.record_bytes);
  report.Add("records_per_batch", options.records_per_batch);
  report.Add("writers", options.writers);
  report.Add("in_flight_per_writer", options.depth);
  report.Add("segment_bytes", options.segment_bytes);

  // (a) Durable append. With the baseline, a second append run into a fresh
  // log follows it (A B A), so drift of the shared disk over the run shows
  // up and cancels in the ratio instead of biasing it.
  const AppendFigures first = RunAppend(log_dir, batches, config, options, batch_bytes);
  ReportAppend(report, "append", first, total_bytes, total_records);
  const double bytes_per_flush = static_cast<double>(total_bytes) / static_cast<double>(std::max<int64_t>(first.flushes, 1));

  // (b) The same bytes with a plain write+fdatasync loop at the same bytes per sync.
  if (options.Has("baseline")) {
    const uint64_t chunk = std::max<uint64_t>(4096, static_cast<uint64_t>(bytes_per_flush / 4096 + 0.5) * 4096);
    const std::pair<double, double> cpu_before = CpuSeconds(RUSAGE_SELF);
    const double seconds = WriteSyncLoop(options.dir + "/baseline.dat", total_bytes, chunk, batch);
    const std::pair<double, double> cpu_after = CpuSeconds(RUSAGE_SELF);
    const double baseline_cpu = cpu_after.first - cpu_before.first + cpu_after.second - cpu_before.second;
    const double mbps = Mb(total_bytes) / seconds;
    const AppendFigures second = RunAppend(options.dir + "/bench-1", std::move(batches), config, options, batch_bytes);
    ReportAppend(report, "append2", second, total_bytes, total_records);
    std::filesystem::remove_all(options.dir + "/bench-1", ec);
    const double append_mbps = (Mb(total_bytes) / first.seconds + Mb(total_bytes) / second.seconds) / 2;
    report.Line(Format("baseline (pwrite+fdatasync, %" PRIu64 " B per sync, %" PRIu64 " syncs, between the two append "
                       "runs): %.1f MB in %.3f s = %.1f MB/s, cpu %.2f s; append (mean of 2 runs) %.1f MB/s; "
                       "append/baseline = %.2f (goal >= 0.90)",
                       chunk, (total_bytes + chunk - 1) / chunk, Mb(total_bytes), seconds, mbps, baseline_cpu, append_mbps,
                       append_mbps / mbps));
    report.Add("baseline_chunk_bytes", static_cast<int64_t>(chunk));
    report.Add("baseline_seconds", seconds);
    report.Add("baseline_mb_per_s", mbps);
    report.Add("baseline_process_cpu_seconds", baseline_cpu);
    report.Add("append_mean_mb_per_s", append_mbps);
    report.Add("append_vs_baseline", append_mbps / mbps);
  }

  // (c) Cold-started log: reopened after the clean close (blocking Open, no
  // shard), read from offset 0 to the end.
  io::PosixFileSystem fs(nullptr);
  std::unique_ptr<PartitionLog> log = OpenLog(&fs, log_dir, config);
  if (static_cast<uint64_t>(log->size_bytes()) != total_bytes) Die("reopened log has the wrong size");
  const std::vector<std::string> segment_files = SegmentFiles(log_dir);
  if (options.Has("read")) {
    auto check = [&](uint64_t bytes) {
      if (bytes != total_bytes) Die(Format("read %" PRIu64 " bytes, expected %" PRIu64, bytes, total_bytes));
    };
    ReadFiles(segment_files);  // make sure every page is cached
    std::vector<double> log_s, base_s;
    for (int rep = 0; rep < 3; ++rep) {
      log_s.push_back(Time([&] { check(ReadLog(*log)); }));
      base_s.push_back(Time([&] { check(ReadFiles(segment_files)); }));
    }
    const double log_mbps = Mb(total_bytes) / Median(log_s);
    const double base_mbps = Mb(total_bytes) / Median(base_s);
    report.Line(Format("read, page cache warm (median of 3): log Read %.1f MB/s, read(2) %.1f MB/s; read/baseline = "
                       "%.2f (goal >= 0.80)",
                       log_mbps, base_mbps, log_mbps / base_mbps));
    report.Add("read_warm_mb_per_s", log_mbps);
    report.Add("read_warm_baseline_mb_per_s", base_mbps);
    report.Add("read_warm_vs_baseline", log_mbps / base_mbps);

    // Cold: each run starts from an empty page cache, in the order read(2),
    // log, log, read(2) (drift cancels); read_bytes shows what each run
    // really fetched from the disk.
    double cold_log_s = 0, cold_base_s = 0;
    uint64_t cold_log_disk = 0, cold_base_disk = 0;
    auto cold_run = [&](auto read, double& seconds, uint64_t& disk_bytes) {
      if (!DropCaches()) return false;
      const uint64_t before = DiskReadBytes();
      seconds += Time([&] { check(read()); }) / 2;
      disk_bytes += (DiskReadBytes() - before) / 2;
      return true;
    };
    auto cold_log = [&] { return cold_run([&] { return ReadLog(*log); }, cold_log_s, cold_log_disk); };
    auto cold_base = [&] { return cold_run([&] { return ReadFiles(segment_files); }, cold_base_s, cold_base_disk); };
    const bool cold = cold_base() && cold_log() && cold_log() && cold_base();
    report.AddBool("read_cold_measured", cold);
    if (cold) {
      const double cold_log_mbps = Mb(total_bytes) / cold_log_s;
      const double cold_base_mbps = Mb(total_bytes) / cold_base_s;
      report.Line(Format("read, page cache cold (drop_caches before each; mean of 2): log Read %.1f MB/s (%.1f MB from disk), "
                         "read(2) %.1f MB/s (%.1f MB from disk); read/baseline = %.2f (goal >= 0.80)",
                         cold_log_mbps, Mb(cold_log_disk), cold_base_mbps, Mb(cold_base_disk),
                         cold_log_mbps / cold_base_mbps));
      report.Add("read_cold_mb_per_s", cold_log_mbps);
      report.Add("read_cold_baseline_mb_per_s", cold_base_mbps);
      report.Add("read_cold_vs_baseline", cold_log_mbps / cold_base_mbps);
      report.Add("read_cold_disk_bytes", static_cast<int64_t>(cold_log_disk));
      report.Add("read_cold_baseline_disk_bytes", static_cast<int64_t>(cold_base_disk));
    } else {
      report.Line("read, page cache cold: skipped (/proc/sys/vm/drop_caches is not writable)");
    }
  }
  const Offset end_offset = log->log_end_offset();
  log.reset();

  // (d) Recovery without the recovery point: every batch is read and its CRC checked.
  if (options.Has("recovery")) {
    std::filesystem::remove(log_dir + "/" + std::string(storage::kRecoveryPointFile), ec);
    if (ec) Die(Format("removing the recovery point: %s", ec.message().c_str()));
    ReadFiles(segment_files);  // warm cache
    const double seconds = Time([&] { log = OpenLog(&fs, log_dir, config); });
    if (log->log_end_offset() != end_offset) Die("recovery lost offsets");
    const double gbps = static_cast<double>(total_bytes) / 1e9 / seconds;
    report.Line(Format("recovery (no recovery point, full CRC scan, cache warm): %.1f MB in %.3f s = %.2f GB/s "
                       "(goal: 1 GiB in < 2 s, i.e. >= 0.54 GB/s)",
                       Mb(total_bytes), seconds, gbps));
    report.Add("recovery_seconds", seconds);
    report.Add("recovery_gb_per_s", gbps);
    log.reset();
  }

  report.PrintJson();
  std::filesystem::remove_all(options.dir, ec);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  cairn::bench::Options options;
  if (!cairn::bench::ParseOptions(argc, argv, options)) {
    std::fputs(cairn::bench::kUsage, stderr);
    return 2;
  }
  return cairn::bench::Run(options);
}
