// raft_bench: the controller quorum (three RaftNodes in one process, one
// shard and one data dir each, TCP on loopback, real files) against what every
// commit waits on: small append+fdatasync loops on the same filesystem (alone,
// through io_uring, and three at once). Measures commit latency with one
// proposal in flight, throughput and latency with many in flight, and
// failover time after the leader is stopped abruptly. docs/benchmarks.md has
// the method and figures.
//
// Threading: each node lives on its own shard; the proposers of a phase run
// on the leader's shard (callbacks re-propose there), and the main thread only
// starts phases, polls and waits.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/latency_histogram.h"
#include "common/check.h"
#include "controller/raft_node.h"
#include "io/posix_file_system.h"
#include "io/shard.h"
#include "io/testing/free_port.h"

namespace cairn::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using controller::PeerAddress;
using controller::RaftNode;

constexpr int kNodes = 3;

struct Options {
  std::string dir = "/tmp";
  double seconds = 5;      // per throughput/latency phase
  int inflight = 64;       // phase (b)
  int payload = 100;       // bytes per proposal
  int trials = 5;          // failover trials
  int fsync_count = 1000;  // baseline syncs
  bool json = false;
};

constexpr const char* kUsage =
    "usage: raft_bench [--dir DIR] [--seconds S] [--inflight N] [--payload BYTES] [--trials N]\n"
    "                  [--fsync-count N] [--json]\n";

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fputs(kUsage, stderr);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--dir") o.dir = value();
    else if (arg == "--seconds") o.seconds = std::stod(value());
    else if (arg == "--inflight") o.inflight = std::stoi(value());
    else if (arg == "--payload") o.payload = std::stoi(value());
    else if (arg == "--trials") o.trials = std::stoi(value());
    else if (arg == "--fsync-count") o.fsync_count = std::stoi(value());
    else if (arg == "--json") o.json = true;
    else {
      std::fputs(kUsage, stderr);
      std::exit(2);
    }
  }
  return o;
}

// Runs `task` on `shard` and waits for its result (the main thread never
// touches a node directly: every node is owned by its shard).
template <typename F>
auto On(io::Shard& shard, F task) -> std::invoke_result_t<F&> {
  using Result = std::invoke_result_t<F&>;
  std::promise<Result> done;
  auto future = done.get_future();
  shard.Post([&task, &done] {
    if constexpr (std::is_void_v<Result>) {
      task();
      done.set_value();
    } else {
      done.set_value(task());
    }
  });
  CAIRN_CHECK(future.wait_for(30s) == std::future_status::ready) << "shard stuck";
  return future.get();
}

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

class Cluster {
 public:
  explicit Cluster(const std::string& parent) {
    std::string name = parent + "/cairn-raft-bench-XXXXXX";
    CAIRN_CHECK(mkdtemp(name.data()) != nullptr) << "mkdtemp under " << parent;
    root_ = name;
    CAIRN_CHECK(runtime_.Start(kNodes).ok());
    for (int i = 0; i < kNodes; ++i) voters_.push_back(PeerAddress{raft::NodeId(i + 1), "127.0.0.1", io::testing::FreeLoopbackPort()});
    for (int i = 0; i < kNodes; ++i) Start(i);
  }
  ~Cluster() {
    for (int i = 0; i < kNodes; ++i) Stop(i);
    runtime_.Stop();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  const std::string& root() const { return root_; }
  io::Shard& shard(int i) { return runtime_.shard(i); }
  RaftNode& node(int i) { return *nodes_[i]; }
  bool running(int i) const { return nodes_[i] != nullptr; }

  // (Re)starts node i on its shard with its data dir: a restart recovers
  // the log it had and catches up from the leader.
  void Start(int i) {
    On(shard(i), [&] {
      if (!fs_[i]) fs_[i] = std::make_unique<io::PosixFileSystem>(&shard(i).ring());
      RaftNode::Options options;
      options.id = raft::NodeId(i + 1);
      options.cluster_id = "raft-bench";
      options.data_dir = absl::StrCat(root_, "/node", i + 1);
      options.voters = voters_;
      options.random_seed = 1000 + i + 10 * starts_++;
      auto node = RaftNode::Start(shard(i), *fs_[i], options, [](const raft::Entry&) {});
      CAIRN_CHECK(node.ok()) << node.status();
      nodes_[i] = *std::move(node);
    });
  }
  // Destroys node i: connections close and ticking stops, with no leadership
  // transfer or other goodbye — to its peers it is a crashed process.
  void Stop(int i) {
    On(shard(i), [&] { nodes_[i].reset(); });
  }

  // The one running node that is leader and that every running node follows.
  int Leader() {
    int leader = -1;
    for (int i = 0; i < kNodes; ++i) {
      if (!running(i)) continue;
      if (On(shard(i), [&] { return nodes_[i]->is_leader(); })) {
        if (leader >= 0) return -1;
        leader = i;
      }
    }
    if (leader < 0) return -1;
    for (int i = 0; i < kNodes; ++i) {
      if (running(i) && On(shard(i), [&] { return nodes_[i]->leader(); }) != raft::NodeId(leader + 1)) return -1;
    }
    return leader;
  }
  int WaitLeader() {
    const auto end = Clock::now() + 30s;
    while (Clock::now() < end) {
      if (const int l = Leader(); l >= 0) return l;
      std::this_thread::sleep_for(5ms);
    }
    CAIRN_CHECK(false) << "no stable leader within 30 s";
    return -1;
  }
  bool IsLeader(int i) {
    return On(shard(i), [&] { return nodes_[i]->is_leader(); });
  }
  raft::LogIndex Applied(int i) {
    return On(shard(i), [&] { return nodes_[i]->applied(); });
  }

 private:
  std::string root_;
  io::ShardRuntime runtime_;
  std::array<std::unique_ptr<io::PosixFileSystem>, kNodes> fs_;
  std::array<std::unique_ptr<RaftNode>, kNodes> nodes_;
  std::vector<PeerAddress> voters_;
  int starts_ = 0;
};

struct LoadResult {
  LatencyHistogram latency;
  uint64_t committed = 0;
  uint64_t failed = 0;
  double seconds = 0;
};

// Closed loop on the leader's shard: `inflight` proposers, each proposing
// again as soon as its previous proposal commits, until `seconds` pass.
// Latency is Propose() to its callback (committed and applied on the leader).
LoadResult RunLoad(Cluster& cluster, int leader, int inflight, int payload, double seconds) {
  struct State {
    RaftNode* node;
    Buffer data;
    Clock::time_point start;
    Clock::time_point deadline;
    LoadResult result;
    int outstanding = 0;
    std::promise<void> done;
    std::function<void()> propose;
  };
  auto state = std::make_shared<State>();
  state->node = &cluster.node(leader);
  state->data.assign(static_cast<size_t>(payload), 0x5a);
  auto finished = state->done.get_future();
  cluster.shard(leader).Post([state, inflight, seconds] {
    state->start = Clock::now();
    state->deadline = state->start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    // Each proposal carries its own start time; the callback records it and,
    // before the deadline, issues the next one on the same slot.
    state->propose = [state] {
      ++state->outstanding;
      const auto sent = Clock::now();
      state->node->Propose(state->data, [state, sent](absl::StatusOr<raft::LogIndex> index) {
        const auto now = Clock::now();
        --state->outstanding;
        if (index.ok()) {
          ++state->result.committed;
          state->result.latency.Record(static_cast<uint64_t>((now - sent).count()));
        } else {
          ++state->result.failed;
        }
        if (index.ok() && now < state->deadline) {
          state->propose();
        } else if (state->outstanding == 0) {
          state->result.seconds = std::chrono::duration<double>(now - state->start).count();
          state->propose = nullptr;  // breaks the state -> propose -> state cycle
          state->done.set_value();
        }
      });
    };
    for (int k = 0; k < inflight; ++k) state->propose();
  });
  CAIRN_CHECK(finished.wait_for(std::chrono::duration<double>(seconds) + 60s) == std::future_status::ready)
      << "load phase did not finish";
  return std::move(state->result);
}

struct FsyncResult {
  LatencyHistogram latency;
  double mean_ns = 0;
};

// The floor of every commit: append `bytes` to a file and fdatasync, `count`
// times, timing each sync (an append grows the file, as a log append does, so
// the sync also flushes the new size).
FsyncResult FsyncBaseline(const std::string& dir, int bytes, int count) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/fsync-baseline";
  const int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  CAIRN_CHECK(fd >= 0) << "open " << path << ": " << std::strerror(errno);
  std::vector<char> piece(static_cast<size_t>(bytes), 'x');
  FsyncResult result;
  double total = 0;
  for (int k = 0; k < count; ++k) {
    const auto start = Clock::now();
    CAIRN_CHECK(write(fd, piece.data(), piece.size()) == static_cast<ssize_t>(piece.size())) << "write";
    CAIRN_CHECK(fdatasync(fd) == 0) << "fdatasync: " << std::strerror(errno);
    const auto ns = static_cast<uint64_t>((Clock::now() - start).count());
    result.latency.Record(ns);
    total += static_cast<double>(ns);
  }
  close(fd);
  unlink(path.c_str());
  result.mean_ns = total / count;
  return result;
}

// FsyncBaseline in `streams` threads at once, one file each, merged: on
// ext4 a lone fdatasync loop can be far slower than concurrent ones, whose
// syncs share journal commits, and the quorum always syncs from three shards.
FsyncResult ConcurrentFsyncBaseline(const std::string& dir, int bytes, int count, int streams) {
  std::vector<FsyncResult> results(static_cast<size_t>(streams));
  std::vector<std::thread> threads;
  for (int k = 0; k < streams; ++k) {
    threads.emplace_back([&, k] {
      results[static_cast<size_t>(k)] = FsyncBaseline(absl::StrCat(dir, "/stream", k), bytes, count);
    });
  }
  for (std::thread& thread : threads) thread.join();
  FsyncResult merged;
  for (const FsyncResult& r : results) {
    merged.latency.Merge(r.latency);
    merged.mean_ns += r.mean_ns / streams;
  }
  return merged;
}

// The same loop through the I/O path RaftStorage uses: an io::File on a
// shard, WriteAt then Sync (fdatasync submitted to io_uring), one at a time.
FsyncResult UringFsyncBaseline(const std::string& dir, int bytes, int count) {
  auto shard = io::Shard::Create(kNodes);
  CAIRN_CHECK(shard.ok()) << shard.status();
  (*shard)->Start(-1);
  struct State {
    std::unique_ptr<io::PosixFileSystem> fs;
    std::unique_ptr<io::File> file;
    Buffer data;
    uint64_t position = 0;
    int left = 0;
    Clock::time_point start;
    FsyncResult result;
    double total = 0;
    std::promise<void> done;
    std::function<void()> next;
  } state;
  state.data.assign(static_cast<size_t>(bytes), 0x78);
  state.left = count;
  const std::string path = dir + "/fsync-baseline-uring";
  auto finished = state.done.get_future();
  io::Shard& s = **shard;
  s.Post([&] {
    state.fs = std::make_unique<io::PosixFileSystem>(&s.ring());
    auto file = state.fs->Open(path, io::OpenMode::kCreateReadWrite);
    CAIRN_CHECK(file.ok()) << file.status();
    state.file = *std::move(file);
    state.next = [&] {
      if (state.left-- == 0) {
        state.next = nullptr;
        state.done.set_value();
        return;
      }
      state.start = Clock::now();
      state.file->WriteAt(state.position, state.data, [&](absl::Status written) {
        CAIRN_CHECK(written.ok()) << written;
        state.position += state.data.size();
        state.file->Sync([&](absl::Status synced) {
          CAIRN_CHECK(synced.ok()) << synced;
          const auto ns = static_cast<uint64_t>((Clock::now() - state.start).count());
          state.result.latency.Record(ns);
          state.total += static_cast<double>(ns);
          state.next();
        });
      });
    };
    state.next();
  });
  CAIRN_CHECK(finished.wait_for(300s) == std::future_status::ready) << "uring baseline stuck";
  On(s, [&] {
    state.file.reset();
    state.fs.reset();
  });
  s.Stop();
  unlink(path.c_str());
  state.result.mean_ns = state.total / count;
  return std::move(state.result);
}

struct Failover {
  double elected_ms = 0;    // stop -> a surviving node reports itself leader
  double committed_ms = 0;  // stop -> its first proposal commits
};

// Stops the leader, then polls the survivors (1 ms apart) until one is leader
// and a proposal on it commits. Restarts the stopped node and waits for it
// to catch up and for the quorum to settle, so every trial starts alike.
Failover FailoverTrial(Cluster& cluster, int payload) {
  const int old = cluster.WaitLeader();
  // Followers must be current, or the election waits on their catch-up.
  const raft::LogIndex target = cluster.Applied(old);
  for (int i = 0; i < kNodes; ++i) {
    while (cluster.Applied(i) < target) std::this_thread::sleep_for(1ms);
  }
  Failover f;
  const auto stopped = Clock::now();
  cluster.Stop(old);
  bool elected = false;
  while (true) {
    CAIRN_CHECK(Clock::now() - stopped < 60s) << "no failover within 60 s";
    for (int i = 0; i < kNodes; ++i) {
      if (i == old || !cluster.IsLeader(i)) continue;
      if (!elected) {
        f.elected_ms = Ms(Clock::now() - stopped);
        elected = true;
      }
      auto result = std::make_shared<std::promise<bool>>();
      auto future = result->get_future();
      On(cluster.shard(i), [&] {
        cluster.node(i).Propose(Buffer(static_cast<size_t>(payload), 0x5a),
                                [result](absl::StatusOr<raft::LogIndex> index) { result->set_value(index.ok()); });
      });
      CAIRN_CHECK(future.wait_for(30s) == std::future_status::ready) << "proposal never finished";
      if (future.get()) {
        f.committed_ms = Ms(Clock::now() - stopped);
        cluster.Start(old);
        const int leader = cluster.WaitLeader();
        const raft::LogIndex now = cluster.Applied(leader);
        while (cluster.Applied(old) < now) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(300ms);  // a few heartbeats: the restarted node settles
        return f;
      }
    }
    std::this_thread::sleep_for(1ms);
  }
}

std::string FsType(const std::string& dir) {
  struct statfs s {};
  if (statfs(dir.c_str(), &s) != 0) return "?";
  char text[32];
  std::snprintf(text, sizeof(text), "0x%lx", static_cast<unsigned long>(s.f_type));
  return text;
}

double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const double load_start = LoadAverage();
  Cluster cluster(o.dir);

  // The baseline first, on the same filesystem, while the quorum idles
  // (heartbeats only: no log writes).
  const int leader = cluster.WaitLeader();
  // Half of it before the load phases and half after, merged: the disk's
  // speed drifts from minute to minute, and the ratios should compare the
  // quorum with the disk as it was while the quorum ran.
  const FsyncResult fsync_before = FsyncBaseline(cluster.root(), o.payload, o.fsync_count / 2);

  RunLoad(cluster, leader, 1, o.payload, std::min(1.0, o.seconds));  // warm-up: connections, files
  const LoadResult one = RunLoad(cluster, leader, 1, o.payload, o.seconds);
  const LoadResult many = RunLoad(cluster, leader, o.inflight, o.payload, o.seconds);
  const FsyncResult fsync_after = FsyncBaseline(cluster.root(), o.payload, o.fsync_count / 2);
  const FsyncResult uring = UringFsyncBaseline(cluster.root(), o.payload, o.fsync_count / 2);
  const FsyncResult concurrent = ConcurrentFsyncBaseline(cluster.root(), o.payload, o.fsync_count / 2, kNodes);
  FsyncResult fsync = fsync_before;
  fsync.latency.Merge(fsync_after.latency);
  fsync.mean_ns = (fsync_before.mean_ns + fsync_after.mean_ns) / 2;
  const double fsync_rate = 1e9 / fsync.mean_ns;
  CAIRN_CHECK(one.failed == 0 && many.failed == 0) << "proposals failed: leadership moved during a load phase";
  const double one_rate = static_cast<double>(one.committed) / one.seconds;
  const double many_rate = static_cast<double>(many.committed) / many.seconds;

  std::vector<Failover> failovers;
  for (int t = 0; t < o.trials; ++t) failovers.push_back(FailoverTrial(cluster, o.payload));
  double max_elected = 0, max_committed = 0;
  for (const Failover& f : failovers) {
    max_elected = std::max(max_elected, f.elected_ms);
    max_committed = std::max(max_committed, f.committed_ms);
  }
  const double load_end = LoadAverage();
  const double fsync_p50 = Ms(fsync.latency.Percentile(0.5));

  if (o.json) {
    std::printf("{\"payload\":%d,\"inflight\":%d,\"fs_type\":\"%s\",\"load_start\":%.2f,\"load_end\":%.2f,\n",
                o.payload, o.inflight, FsType(o.dir).c_str(), load_start, load_end);
    std::printf(
        " \"fsync\":{\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"per_s\":%.1f,\"p50_before_ms\":%.3f,"
        "\"p50_after_ms\":%.3f},\n",
        fsync_p50, Ms(fsync.latency.Percentile(0.99)), Ms(fsync.latency.max()), fsync_rate,
        Ms(fsync_before.latency.Percentile(0.5)), Ms(fsync_after.latency.Percentile(0.5)));
    std::printf(" \"uring_fsync\":{\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"per_s\":%.1f},\n",
                Ms(uring.latency.Percentile(0.5)), Ms(uring.latency.Percentile(0.99)), Ms(uring.latency.max()),
                1e9 / uring.mean_ns);
    std::printf(" \"concurrent_fsync\":{\"streams\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"per_s_each\":%.1f},\n",
                kNodes, Ms(concurrent.latency.Percentile(0.5)), Ms(concurrent.latency.Percentile(0.99)),
                1e9 / concurrent.mean_ns);
    for (const auto* r : {&one, &many}) {
      std::printf(" \"%s\":{\"inflight\":%d,\"per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f},\n",
                  r == &one ? "one" : "many", r == &one ? 1 : o.inflight,
                  static_cast<double>(r->committed) / r->seconds, Ms(r->latency.Percentile(0.5)),
                  Ms(r->latency.Percentile(0.99)), Ms(r->latency.max()));
    }
    std::printf(" \"failover_ms\":[");
    for (size_t k = 0; k < failovers.size(); ++k) {
      std::printf("%s{\"elected\":%.1f,\"committed\":%.1f}", k ? "," : "", failovers[k].elected_ms,
                  failovers[k].committed_ms);
    }
    std::printf("],\"failover_max_ms\":%.1f}\n", max_committed);
    return 0;
  }
  std::printf("raft_bench: 3 nodes on loopback, data under %s (fs 0x%s), %d-byte proposals, load %.2f -> %.2f\n",
              o.dir.c_str(), FsType(o.dir).c_str() + 2, o.payload, load_start, load_end);
  std::printf("%-30s %10s %9s %9s %9s %14s\n", "", "per s", "p50 ms", "p99 ms", "max ms", "p50 / fsync");
  std::printf("%-30s %10.0f %9.3f %9.3f %9.3f %14s\n", "fdatasync baseline (append)", fsync_rate, fsync_p50,
              Ms(fsync.latency.Percentile(0.99)), Ms(fsync.latency.max()), "1.00");
  for (const auto* r : {&one, &many}) {
    const double p50 = Ms(r->latency.Percentile(0.5));
    std::printf("%-30s %10.0f %9.3f %9.3f %9.3f %14.2f\n",
                absl::StrCat("commit, ", r == &one ? 1 : o.inflight, " in flight").c_str(),
                static_cast<double>(r->committed) / r->seconds, p50, Ms(r->latency.Percentile(0.99)),
                Ms(r->latency.max()), p50 / fsync_p50);
  }
  std::printf("%-30s %10.0f %9.3f %9.3f %9.3f %14.2f\n", "io_uring WriteAt+Sync baseline", 1e9 / uring.mean_ns,
              Ms(uring.latency.Percentile(0.5)), Ms(uring.latency.Percentile(0.99)), Ms(uring.latency.max()),
              Ms(uring.latency.Percentile(0.5)) / fsync_p50);
  std::printf("%-30s %10.0f %9.3f %9.3f %9.3f %14.2f\n", "fdatasync, 3 threads at once", 1e9 / concurrent.mean_ns,
              Ms(concurrent.latency.Percentile(0.5)), Ms(concurrent.latency.Percentile(0.99)),
              Ms(concurrent.latency.max()), Ms(concurrent.latency.Percentile(0.5)) / fsync_p50);
  std::printf("commit p50 (1 in flight) / concurrent fdatasync p50: %.2f\n",
              Ms(one.latency.Percentile(0.5)) / Ms(concurrent.latency.Percentile(0.5)));
  std::printf("fdatasync p50 before/after the load phases: %.3f / %.3f ms\n",
              Ms(fsync_before.latency.Percentile(0.5)), Ms(fsync_after.latency.Percentile(0.5)));
  std::printf("throughput / fsync rate: 1 in flight %.2f, %d in flight %.2f\n", one_rate / fsync_rate, o.inflight,
              many_rate / fsync_rate);
  std::printf("failover (leader stopped -> new leader / its first commit), ms:");
  for (const Failover& f : failovers) std::printf(" %.0f/%.0f", f.elected_ms, f.committed_ms);
  std::printf("\nfailover max: elected %.0f ms, committed %.0f ms (target < 1000 ms: %s)\n", max_elected,
              max_committed, max_committed < 1000 ? "met" : "NOT met");
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Main(argc, argv); }
