// The shard runtime of DESIGN.md §2: one thread per core, each with its own
// asio::io_context and io_uring Ring, sharing nothing. Work reaches a shard
// only as a moved-in task posted to it.
//
// Threading: Post() is safe from any thread. Everything else a Shard owns
// (its Ring, its io_context's objects) is used only on the shard's thread;
// the Ring's completion callbacks run there, dispatched from the event loop
// when the ring's eventfd becomes readable.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "io/uring_ring.h"

namespace asio {
class io_context;
}  // namespace asio

namespace cairn::io {

class Shard {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  static absl::StatusOr<std::unique_ptr<Shard>> Create(
      int id, unsigned queue_depth = Ring::kDefaultQueueDepth);
  // Stops and joins the thread if it still runs.
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Starts the thread, pinned to `cpu` when cpu >= 0 (a failure to pin is
  // logged, not fatal). Call once.
  void Start(int cpu);
  // Asks the loop to stop once the tasks posted so far have run; returns at
  // once. The thread then finishes every in-flight ring request (running its
  // callback and whatever that posts) and exits. Tasks posted after that wait
  // for RunLeftoverWork(); pending timers wait for DiscardPendingHandlers().
  void RequestStop();
  // Waits for the thread to exit. RequestStop() first.
  void Join();
  void Stop() {
    RequestStop();
    Join();
  }
  // After Join(), on the calling thread (which acts as the shard meanwhile):
  // runs the tasks posted since the thread exited and completes every ring
  // request they start, with all that follows. Returns whether anything ran.
  bool RunLeftoverWork();
  // After Join(): destroys every handler still waiting (unexpired timers'),
  // with what it captured. The Asio services stay until the Shard goes, so
  // captured objects of other shards can still be destroyed safely.
  void DiscardPendingHandlers();

  // Runs `task` on the shard thread, later — never inline, even on the shard.
  void Post(Task task);

  // Shard thread only.
  Ring& ring() { return *ring_; }
  asio::io_context& io_context();
  int id() const { return id_; }

  // The shard whose thread is calling; nullptr off every shard.
  static Shard* Current();

 private:
  struct Loop;  // Asio state, kept out of this header

  Shard(int id, std::unique_ptr<Ring> ring, std::unique_ptr<Loop> loop);
  void Run(int cpu);
  // Runs ready handlers and waits for ring completions until neither is left;
  // returns whether anything ran.
  bool RunUntilIdle();
  void ArmEventFd();

  const int id_;
  std::unique_ptr<Ring> ring_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

// N shards started together; partitions are mapped onto them by key hash.
// Threading: Start, Stop and the destructor are called by one controlling
// thread; Post, shard(), size() and ShardForKey from any thread once started.
class ShardRuntime {
 public:
  ShardRuntime() = default;
  ~ShardRuntime() { Stop(); }
  ShardRuntime(const ShardRuntime&) = delete;
  ShardRuntime& operator=(const ShardRuntime&) = delete;

  enum class CpuPinning {
    // Shards run wherever the scheduler puts them (the default): on a
    // machine shared with clients or other services, a pinned shard waits
    // for its one CPU while another is idle, and so do the io_uring workers
    // it starts, which inherit its CPU (docs/benchmarks.md, "Shards pinned
    // to CPUs").
    kNone,
    // Shard i runs only on the (i mod n)-th CPU the process may use.
    kOnePerCpu,
  };
  // Creates and starts `shard_count` shards.
  absl::Status Start(int shard_count, unsigned queue_depth = Ring::kDefaultQueueDepth,
                     CpuPinning pinning = CpuPinning::kNone);
  // Drains and stops every shard (see Shard::RequestStop), joins them, runs
  // what shards posted to each other meanwhile until none is left, and frees
  // the shards only after every shard's pending handlers are gone.
  void Stop();

  Shard& shard(int i);
  int size() const { return static_cast<int>(shards_.size()); }
  void Post(int shard, Shard::Task task) { this->shard(shard).Post(std::move(task)); }
  // The shard owning whatever hashes to `hash` (e.g. a topic-partition).
  int ShardForKey(uint64_t hash) const;

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace cairn::io
