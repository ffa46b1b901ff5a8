// durable_write_tail: the latency tail of durable appends on this disk, with
// no broker in the way, and whether more than one write in flight per log
// would shorten it.
//
// Each of --files files is zeroed and synced first (as log.preallocate does).
// In each run, records of --record-bytes arrive at a fixed total --rate,
// spread evenly over the files. Per file, up to K writer threads each take
// every record waiting (group commit), claim the next position and write
// them with one pwrite on an O_DSYNC descriptor (the broker's RWF_DSYNC
// write). A record is acknowledged once its write and every earlier write
// of its file have completed: acknowledgements keep offset order, as a
// log's must (an acknowledged record may not sit behind a hole a crash
// could leave). Latency runs from a record's scheduled arrival to its
// acknowledgement, as in bench/compare's fixed-load rounds.
//
// K = 1 is what PartitionLog does today (one durable write in flight per
// log); each round runs every K of --in-flight once, the order rotated per
// round, and prints the host's steal during each run.
//
//   durable_write_tail [--dir D] [--files 4] [--rate 20000] [--record-bytes 1024]
//                      [--seconds 10] [--in-flight 1,2,4] [--rounds 3]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir = "/tmp/cairn-durable-tail";
  int files = 4;
  int rate = 20000;
  size_t record_bytes = 1024;
  int seconds = 10;
  std::vector<int> in_flight = {1, 2, 4};
  int rounds = 3;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "durable_write_tail: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

// One file's log: records waiting to be written, writes in flight, and the
// in-order acknowledgement of their records.
class DurableLog {
 public:
  DurableLog(const std::string& path, size_t record_bytes, size_t capacity_bytes)
      : record_bytes_(record_bytes), payload_(capacity_bytes, 'x') {
    fd_ = open(path.c_str(), O_RDWR | O_DSYNC);
    if (fd_ < 0) Die("open " + path);
  }
  ~DurableLog() { close(fd_); }
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;

  void Arrive(Clock::time_point scheduled) {
    std::lock_guard lock(mu_);
    arrivals_.push_back(scheduled);
    cv_.notify_one();
  }
  void Finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

  // A writer thread: one write in flight at a time, so K of them make K.
  void Write() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return taken_ < arrivals_.size() || finished_; });
      if (taken_ == arrivals_.size()) return;
      const size_t first = taken_;
      const size_t end = arrivals_.size();
      taken_ = end;
      const size_t bytes = (end - first) * record_bytes_;
      const off_t position = static_cast<off_t>(first * record_bytes_);
      const size_t write = write_ends_.size();
      write_ends_.push_back(end);
      write_done_.push_back(false);
      lock.unlock();
      if (pwrite(fd_, payload_.data(), bytes, position) != static_cast<ssize_t>(bytes)) Die("durable write");
      lock.lock();
      ++writes_;
      write_done_[write] = true;
      const Clock::time_point now = Clock::now();
      while (acked_writes_ < write_done_.size() && write_done_[acked_writes_]) {
        for (; acked_records_ < write_ends_[acked_writes_]; ++acked_records_) {
          latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - arrivals_[acked_records_]).count());
        }
        ++acked_writes_;
      }
    }
  }

  const std::vector<double>& latencies_ms() const { return latencies_ms_; }
  int64_t writes() const { return writes_; }

 private:
  int fd_ = -1;
  const size_t record_bytes_;
  const std::string payload_;  // as long as all of a run's records together
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> arrivals_;
  size_t taken_ = 0;
  bool finished_ = false;
  std::vector<size_t> write_ends_;  // per write, one past its last record
  std::vector<bool> write_done_;
  size_t acked_writes_ = 0;
  size_t acked_records_ = 0;
  std::vector<double> latencies_ms_;
  int64_t writes_ = 0;
};

// Creates the files once, zeroed and synced, so each durable write of every
// run is an overwrite that changes no metadata (the broker's
// log.preallocate); later runs overwrite the earlier runs' bytes alike.
void PrepareFiles(const Options& options, size_t capacity_bytes) {
  const std::vector<char> zeroes(1 << 20, 0);
  for (int f = 0; f < options.files; ++f) {
    const std::string path = options.dir + "/log" + std::to_string(f);
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) Die("create " + path);
    for (size_t at = 0; at < capacity_bytes; at += zeroes.size()) {
      if (pwrite(fd, zeroes.data(), zeroes.size(), static_cast<off_t>(at)) < 0) Die("zero " + path);
    }
    if (fsync(fd) != 0) Die("fsync " + path);
    close(fd);
  }
}

// steal and total jiffies of the "cpu" line of /proc/stat.
std::pair<int64_t, int64_t> StealAndTotalTicks() {
  std::ifstream stat("/proc/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream fields(line.substr(3));
  int64_t value = 0, total = 0, steal = 0;
  for (int i = 0; fields >> value; ++i) {
    if (i < 8) total += value;  // user..steal; guest time is inside user
    if (i == 7) steal = value;
  }
  return {steal, total};
}

struct RunResult {
  std::vector<double> latencies_ms;
  int64_t writes = 0;
  double steal_percent = 0;
};

size_t RecordsPerFile(const Options& options) {
  return static_cast<size_t>(options.rate / options.files) * static_cast<size_t>(options.seconds);
}

RunResult RunOnce(const Options& options, int in_flight) {
  const int per_file_rate = options.rate / options.files;
  const size_t records_per_file = RecordsPerFile(options);
  const size_t capacity = records_per_file * options.record_bytes;
  std::vector<std::unique_ptr<DurableLog>> logs;
  for (int f = 0; f < options.files; ++f) {
    logs.push_back(std::make_unique<DurableLog>(options.dir + "/log" + std::to_string(f), options.record_bytes,
                                                capacity));
  }
  sync();  // nothing else's dirty pages written back during the run
  const auto [steal_before, total_before] = StealAndTotalTicks();
  std::vector<std::thread> threads;
  for (auto& log : logs) {
    for (int k = 0; k < in_flight; ++k) threads.emplace_back([&log] { log->Write(); });
    threads.emplace_back([&log, per_file_rate, records_per_file] {
      const Clock::time_point start = Clock::now();
      for (size_t i = 0; i < records_per_file; ++i) {
        const Clock::time_point due =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        static_cast<double>(i) / per_file_rate));
        std::this_thread::sleep_until(due);
        log->Arrive(due);
      }
      log->Finish();
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto [steal_after, total_after] = StealAndTotalTicks();
  RunResult result;
  for (const auto& log : logs) {
    result.latencies_ms.insert(result.latencies_ms.end(), log->latencies_ms().begin(), log->latencies_ms().end());
    result.writes += log->writes();
  }
  const int64_t ticks = total_after - total_before;
  result.steal_percent = ticks > 0 ? 100.0 * static_cast<double>(steal_after - steal_before) / ticks : 0;
  return result;
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(fraction * static_cast<double>(sorted.size())))];
}

void Print(int round, int in_flight, RunResult result) {
  std::vector<double>& l = result.latencies_ms;
  std::sort(l.begin(), l.end());
  const double over_5ms = static_cast<double>(l.end() - std::upper_bound(l.begin(), l.end(), 5.0));
  std::printf("round %d  in flight %d  records %zu  writes %lld  p50 %.2f  p90 %.2f  p99 %.2f  p999 %.2f  max %.2f ms"
              "  over 5 ms %.2f%%  steal %.1f%%\n",
              round, in_flight, l.size(), static_cast<long long>(result.writes), Percentile(l, 0.5),
              Percentile(l, 0.9), Percentile(l, 0.99), Percentile(l, 0.999), l.back(),
              100.0 * over_5ms / static_cast<double>(l.size()), result.steal_percent);
  std::fflush(stdout);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--files") {
      options.files = std::atoi(value);
    } else if (flag == "--rate") {
      options.rate = std::atoi(value);
    } else if (flag == "--record-bytes") {
      options.record_bytes = std::strtoull(value, nullptr, 10);
    } else if (flag == "--seconds") {
      options.seconds = std::atoi(value);
    } else if (flag == "--rounds") {
      options.rounds = std::atoi(value);
    } else if (flag == "--in-flight") {
      options.in_flight.clear();
      std::istringstream list(value);
      for (std::string k; std::getline(list, k, ',');) options.in_flight.push_back(std::atoi(k.c_str()));
    } else {
      std::fprintf(stderr, "durable_write_tail: unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  const bool valid = options.files > 0 && options.rate >= options.files && options.record_bytes > 0 &&
                     options.seconds > 0 && options.rounds > 0 && !options.in_flight.empty() &&
                     std::all_of(options.in_flight.begin(), options.in_flight.end(), [](int k) { return k > 0; });
  if (!valid) {
    std::fprintf(stderr, "durable_write_tail: every count must be positive, and --rate at least --files\n");
    std::exit(2);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  std::filesystem::remove_all(options.dir);
  std::filesystem::create_directories(options.dir);
  PrepareFiles(options, RecordsPerFile(options) * options.record_bytes);
  for (int round = 1; round <= options.rounds; ++round) {
    // Rotated each round, so a slow spell of the shared disk falls on every K alike.
    for (size_t i = 0; i < options.in_flight.size(); ++i) {
      const int k = options.in_flight[(i + static_cast<size_t>(round) - 1) % options.in_flight.size()];
      Print(round, k, RunOnce(options, k));
    }
  }
  std::filesystem::remove_all(options.dir);
}
