// Shard threads, their event loops and the ShardRuntime that starts them.

#include "io/shard.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "asio/executor_work_guard.hpp"
#include "asio/io_context.hpp"
#include "asio/posix/stream_descriptor.hpp"
#include "asio/post.hpp"
#include "common/check.h"
#include "common/logging.h"
#include "io/status_from_errno.h"

namespace cairn::io {

namespace {
thread_local Shard* current_shard = nullptr;

// The CPUs this process may run on, in ascending order (a container's cpuset
// need not start at 0).
std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  return cpus;
}

void PinCurrentThread(int shard_id, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (err != 0) {
    CAIRN_LOG(kWarning) << "shard " << shard_id << ": cannot pin to CPU " << cpu << ": "
                        << strerror(err);
  }
}
}  // namespace

struct Shard::Loop {
  // An io_context whose shutdown (destroying every pending handler, the
  // services kept) ShardRuntime::Stop can call before freeing any shard.
  struct Context : asio::io_context {
    using asio::io_context::io_context;
    using asio::execution_context::shutdown;
  };

  explicit Loop(int fd) : event_fd(context, fd) {}

  Context context{1};  // one thread runs it: lets Asio skip locking
  // A dup of the ring's eventfd (the descriptor closes what it holds).
  asio::posix::stream_descriptor event_fd;
  uint64_t event_count = 0;
};

absl::StatusOr<std::unique_ptr<Shard>> Shard::Create(int id, unsigned queue_depth) {
  auto ring = Ring::Create(queue_depth);
  if (!ring.ok()) return ring.status();
  const int event_fd = fcntl((*ring)->event_fd(), F_DUPFD_CLOEXEC, 0);
  if (event_fd < 0) return ErrnoToStatus(errno, "dup of the io_uring eventfd");
  auto loop = std::make_unique<Loop>(event_fd);
  return std::unique_ptr<Shard>(new Shard(id, *std::move(ring), std::move(loop)));
}

Shard::Shard(int id, std::unique_ptr<Ring> ring, std::unique_ptr<Loop> loop)
    : id_(id), ring_(std::move(ring)), loop_(std::move(loop)) {
  // Everything queued during one turn of the loop goes to the kernel in one
  // io_uring_submit: the first SQE of a turn posts the flush behind the
  // handlers already queued.
  ring_->set_submit_hook(
      [this] { asio::post(loop_->context, [this] { ring_->SubmitPending(); }); });
}

Shard::~Shard() {
  if (thread_.joinable()) Stop();
  ring_->set_submit_hook(nullptr);
}

asio::io_context& Shard::io_context() { return loop_->context; }

Shard* Shard::Current() { return current_shard; }

void Shard::Start(int cpu) {
  CAIRN_CHECK(!thread_.joinable()) << "shard " << id_ << " started twice";
  thread_ = std::thread([this, cpu] { Run(cpu); });
}

void Shard::RequestStop() {
  Post([this] { loop_->context.stop(); });
}

void Shard::Join() {
  if (thread_.joinable()) thread_.join();
}

void Shard::Post(Task task) {
  CAIRN_CHECK(task != nullptr);
  asio::post(loop_->context, [task = std::move(task)]() mutable { std::move(task)(); });
}

void Shard::Run(int cpu) {
  current_shard = this;
  // For top -H, perf and /proc/PID/task (at most 15 characters).
  pthread_setname_np(pthread_self(), absl::StrCat("shard-", id_).substr(0, 15).c_str());
  if (cpu >= 0) PinCurrentThread(id_, cpu);
  ArmEventFd();
  loop_->context.run();  // until RequestStop's task
  // Drain: every accepted ring request completes and its callback runs here,
  // as do the tasks those callbacks post; unexpired timers are left behind.
  RunUntilIdle();
  asio::error_code ignored;
  loop_->event_fd.close(ignored);
  current_shard = nullptr;
}

bool Shard::RunUntilIdle() {
  bool ran_any = false;
  for (;;) {
    loop_->context.restart();
    const size_t ran = loop_->context.poll();
    const bool io_pending = ring_->in_flight() > 0;
    if (io_pending) ring_->WaitAndProcess();
    if (!io_pending && ran == 0) return ran_any;
    ran_any = true;
  }
}

bool Shard::RunLeftoverWork() {
  CAIRN_CHECK(!thread_.joinable()) << "shard " << id_ << ": RunLeftoverWork while its thread runs";
  Shard* const previous = current_shard;
  current_shard = this;  // the work below checks it runs on its shard
  const bool ran = RunUntilIdle();
  current_shard = previous;
  return ran;
}

void Shard::DiscardPendingHandlers() {
  CAIRN_CHECK(!thread_.joinable()) << "shard " << id_ << ": DiscardPendingHandlers while its thread runs";
  Shard* const previous = current_shard;
  current_shard = this;  // destructors may check the shard they belong to
  loop_->context.shutdown();
  current_shard = previous;
}

void Shard::ArmEventFd() {
  auto on_readable = [this](const asio::error_code& ec, size_t) {
    if (ec == asio::error::operation_aborted) return;  // closed at the end of Run()
    if (ec) {
      CAIRN_LOG(kError) << "shard " << id_ << ": eventfd read: " << ec.message();
    }
    ring_->ProcessCompletions();
    ArmEventFd();
  };
  auto buffer = asio::buffer(&loop_->event_count, sizeof(loop_->event_count));
  loop_->event_fd.async_read_some(buffer, std::move(on_readable));
}

absl::Status ShardRuntime::Start(int shard_count, unsigned queue_depth, CpuPinning pinning) {
  CAIRN_CHECK(shards_.empty()) << "ShardRuntime started twice";
  CAIRN_CHECK(shard_count > 0) << "shard_count " << shard_count;
  for (int i = 0; i < shard_count; ++i) {
    auto shard = Shard::Create(i, queue_depth);
    if (!shard.ok()) {
      shards_.clear();  // none was started yet
      return shard.status();
    }
    shards_.push_back(*std::move(shard));
  }
  std::vector<int> cpus;
  if (pinning == CpuPinning::kOnePerCpu) {
    cpus = AllowedCpus();
    if (cpus.empty()) {
      CAIRN_LOG(kWarning) << "sched_getaffinity failed; shards are not pinned";
    }
  }
  for (int i = 0; i < shard_count; ++i) {
    shards_[i]->Start(cpus.empty() ? -1 : cpus[i % cpus.size()]);
  }
  return absl::OkStatus();
}

void ShardRuntime::Stop() {
  for (auto& shard : shards_) shard->RequestStop();
  for (auto& shard : shards_) shard->Join();
  // A shard that finished first can still be sent work by one that was
  // draining (a cross-shard call, its reply). Run it here, shard by shard,
  // until a whole pass finds nothing: no posted task is dropped unrun.
  for (bool ran = true; ran;) {
    ran = false;
    for (auto& shard : shards_) ran = shard->RunLeftoverWork() || ran;
  }
  // Unexpired timers' handlers remain. What they capture may own objects of
  // another shard (a reply callback holding a session and its timer): destroy
  // them all while every shard's Asio services still exist, then the shards.
  for (auto& shard : shards_) shard->DiscardPendingHandlers();
  shards_.clear();
}

Shard& ShardRuntime::shard(int i) {
  CAIRN_CHECK(i >= 0 && i < size()) << "shard " << i << " of " << size();
  return *shards_[i];
}

int ShardRuntime::ShardForKey(uint64_t hash) const {
  CAIRN_CHECK(!shards_.empty());
  return static_cast<int>(hash % shards_.size());
}

}  // namespace cairn::io
