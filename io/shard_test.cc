// Tests for Shard and ShardRuntime: tasks run on the shard they were posted
// to, cross-shard round trips, key mapping, and draining on Stop.
#include "io/shard.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/check.h"
#include "io/timer.h"

namespace cairn::io {
namespace {

TEST_CASE("ShardRuntime: every task posted to a shard runs on that shard's thread") {
  ShardRuntime runtime;
  REQUIRE(runtime.Start(3).ok());
  CHECK(runtime.size() == 3);
  constexpr int kTasksPerShard = 100;
  // Each vector is written only by its shard; read after Stop() joined.
  std::vector<std::vector<int>> seen(3);
  std::vector<std::thread::id> thread_of(3);
  for (int task = 0; task < kTasksPerShard; ++task) {
    for (int s = 0; s < 3; ++s) {
      runtime.Post(s, [&seen, &thread_of, task, s] {
        seen[s].push_back(Shard::Current() == nullptr ? -1 : Shard::Current()->id());
        if (task == 0) thread_of[s] = std::this_thread::get_id();
        CAIRN_CHECK(thread_of[s] == std::this_thread::get_id());
      });
    }
  }
  runtime.Stop();  // runs everything posted before it
  for (int s = 0; s < 3; ++s) {
    CHECK(seen[s] == std::vector<int>(kTasksPerShard, s));
    CHECK(thread_of[s] != std::this_thread::get_id());
  }
  CHECK(thread_of[0] != thread_of[1]);
  CHECK(thread_of[1] != thread_of[2]);
}

TEST_CASE("ShardRuntime: a shard asks another shard and gets the answer back on itself") {
  ShardRuntime runtime;
  REQUIRE(runtime.Start(2).ok());
  std::promise<std::pair<int, int>> answer;  // (answering shard, shard that got the answer)
  runtime.Post(0, [&runtime, &answer] {
    runtime.Post(1, [&runtime, &answer] {
      const int answered_on = Shard::Current()->id();
      runtime.Post(0, [&answer, answered_on] {
        answer.set_value({answered_on, Shard::Current()->id()});
      });
    });
  });
  auto future = answer.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(future.get() == std::pair<int, int>{1, 0});
  runtime.Stop();
}

// The CPUs the calling thread may run on.
std::vector<int> ThreadCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

// Each shard's CPUs, as seen from the shard's own thread.
std::vector<std::vector<int>> ShardCpus(ShardRuntime& runtime) {
  std::vector<std::vector<int>> cpus(static_cast<size_t>(runtime.size()));
  for (int s = 0; s < runtime.size(); ++s) {
    std::promise<std::vector<int>> seen;
    runtime.Post(s, [&seen] { seen.set_value(ThreadCpus()); });
    cpus[static_cast<size_t>(s)] = seen.get_future().get();
  }
  return cpus;
}

TEST_CASE("ShardRuntime: shards may run on every CPU unless pinned, then shard i on the i-th allowed CPU") {
  const std::vector<int> allowed = ThreadCpus();
  REQUIRE(!allowed.empty());
  const int shards = static_cast<int>(allowed.size()) + 1;  // one more than CPUs: the last wraps around
  {
    ShardRuntime runtime;
    REQUIRE(runtime.Start(shards).ok());
    for (const std::vector<int>& cpus : ShardCpus(runtime)) CHECK(cpus == allowed);
  }
  ShardRuntime runtime;
  REQUIRE(runtime.Start(shards, Ring::kDefaultQueueDepth, ShardRuntime::CpuPinning::kOnePerCpu).ok());
  const std::vector<std::vector<int>> pinned = ShardCpus(runtime);
  for (int s = 0; s < shards; ++s) {
    CAPTURE(s);
    CHECK(pinned[static_cast<size_t>(s)] == std::vector<int>{allowed[static_cast<size_t>(s) % allowed.size()]});
  }
}

TEST_CASE("Shard: Current is nullptr off every shard") { CHECK(Shard::Current() == nullptr); }

TEST_CASE("ShardRuntime: ShardForKey maps a hash to hash modulo the shard count") {
  ShardRuntime runtime;
  REQUIRE(runtime.Start(4).ok());
  CHECK(runtime.ShardForKey(0) == 0);
  CHECK(runtime.ShardForKey(5) == 1);
  CHECK(runtime.ShardForKey(UINT64_MAX) == 3);
  runtime.Stop();
  CHECK(runtime.size() == 0);
}

TEST_CASE("ShardRuntime: Stop waits for in-flight writes and runs their callbacks on the shard") {
  char name[] = "/tmp/cairn-shard-test-XXXXXX";
  REQUIRE(mkdtemp(name) != nullptr);
  const std::string path = std::string(name) + "/f";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  constexpr int kWrites = 500;
  const Buffer block(4096, 1);
  int completed = 0;  // written on the shard only; read after Stop() joined
  int off_shard = 0;
  ShardRuntime runtime;
  REQUIRE(runtime.Start(1).ok());
  runtime.Post(0, [&] {
    for (int i = 0; i < kWrites; ++i) {
      Shard::Current()->ring().SubmitWrite(fd, static_cast<uint64_t>(i) * block.size(), block,
                                           [&](int res) {
                                             if (res == 4096) ++completed;
                                             if (Shard::Current() == nullptr) ++off_shard;
                                           });
    }
  });
  runtime.Stop();
  CHECK(completed == kWrites);
  CHECK(off_shard == 0);
  close(fd);
  std::error_code ignored;
  std::filesystem::remove_all(name, ignored);
}

TEST_CASE("ShardRuntime: a task posted to a shard whose thread has already finished still runs at Stop, as that "
          "shard") {
  ShardRuntime runtime;
  REQUIRE(runtime.Start(2).ok());
  std::atomic<int> ran_as = -1;
  runtime.Post(0, [&] {
    // Shard 1 gets its stop request now and, idle, finishes long before this
    // sleep ends; shard 0's stop request waits behind this task.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Shard& self = *Shard::Current();
    runtime.Post(1, [&ran_as, &self] {
      ran_as = Shard::Current() == nullptr ? -2 : Shard::Current()->id();
      // The answer goes back to shard 0, which has finished by now too.
      self.Post([&ran_as] { ran_as = ran_as * 10 + (Shard::Current() == nullptr ? 9 : Shard::Current()->id()); });
    });
  });
  runtime.Stop();
  CHECK(ran_as == 10);  // ran on shard 1, then its reply on shard 0
}

// An object living on shard 0 (it owns a timer of shard 0's io_context).
struct OnShardZero {
  explicit OnShardZero(Shard& shard) : timer(shard) {}
  Timer timer;
};

// Kept alive only by its own pending timer's handler, like an operation
// waiting for its deadline; it holds an object of another shard.
struct WaitingOnShardOne {
  explicit WaitingOnShardOne(Shard& shard) : timer(shard) {}
  Timer timer;
  std::shared_ptr<OnShardZero> other_shard_object;
};

TEST_CASE("ShardRuntime: Stop destroys every shard's abandoned timer handlers before it frees any shard") {
  std::weak_ptr<OnShardZero> watched;
  {
    ShardRuntime runtime;
    REQUIRE(runtime.Start(2).ok());
    std::promise<void> armed;
    runtime.Post(0, [&] {
      auto object = std::make_shared<OnShardZero>(*Shard::Current());
      watched = object;
      runtime.Post(1, [&armed, object = std::move(object)]() mutable {
        auto waiting = std::make_shared<WaitingOnShardOne>(*Shard::Current());
        waiting->other_shard_object = std::move(object);
        waiting->timer.ExpireAfter(std::chrono::hours(1), [waiting](absl::Status) {});
        armed.set_value();
      });
    });
    armed.get_future().get();
    // Shard 1's abandoned handler owns the last reference to shard 0's
    // object. Freeing shard 0 before that handler is gone would leave the
    // object's timer pointing into a freed io_context (ASan: use after free).
    runtime.Stop();
    CHECK(watched.expired());
  }
  CHECK(watched.expired());
}

}  // namespace
}  // namespace cairn::io
