// Admission control (DESIGN.md §8, reliability.md §5 item 8): the per-shard
// memory budget for in-flight request bytes, and the broker-wide connection
// limits (max.connections, max.connections.per.ip).
//
// Threading: a MemoryBudget belongs to one shard and is used only on its
// thread. ConnectionLimits is shared by every shard (see below).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cairn::broker {

// Bytes of request frames a shard holds in memory, from the moment a frame is
// read until its response is handed to the connection (or dropped). A
// charge that does not fit waits its turn: waiters are granted strictly FIFO,
// so a large frame is not starved by a stream of small ones. A charge larger
// than the whole budget is granted when nothing else is charged, so it
// cannot deadlock (socket.request.max.bytes bounds frames anyway).
class MemoryBudget {
 public:
  class Waiter {
   public:
    // The charge asked for in Acquire has been taken for this waiter. Runs
    // inside Release or Cancel (of another waiter); it must not call back
    // into the budget synchronously.
    virtual void OnBudgetGranted() = 0;

   protected:
    ~Waiter() = default;
  };

  explicit MemoryBudget(size_t capacity_bytes);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Charges `bytes` now and returns true if they fit and nobody waits ahead,
  // or if nothing at all is charged. Otherwise queues `waiter` (at most once
  // at a time) and returns false; OnBudgetGranted follows when its turn comes.
  bool Acquire(size_t bytes, Waiter* waiter);
  // Returns bytes charged earlier, then grants waiters in order while the
  // front one fits.
  void Release(size_t bytes);
  // Forgets a queued waiter (it will not be granted), granting those behind
  // it that now fit. No-op if not queued.
  void Cancel(Waiter* waiter);

  size_t capacity_bytes() const { return capacity_; }
  size_t used_bytes() const { return used_; }
  size_t waiting() const { return waiters_.size(); }
  // Acquire calls that had to wait, since start.
  uint64_t waits() const { return waits_; }

 private:
  struct Waiting {
    Waiter* waiter;
    size_t bytes;
  };
  bool Fits(size_t bytes) const;

  const size_t capacity_;
  size_t used_ = 0;
  uint64_t waits_ = 0;
  std::deque<Waiting> waiters_;
};

// Connection counts for the whole broker. Shared by every shard: connections
// spread over shards by SO_REUSEPORT, so only a broker-wide count can enforce
// a broker-wide limit, and one IP's connections land on several shards. The
// count is touched once per accept and once per close, never per request, so
// an atomic total and a mutex-guarded per-IP map cost nothing on the data
// path; the alternative, asking shard 0 by message passing, would delay
// every accept by a cross-shard round trip and still need the close path to
// report back. The per-IP map is only kept when that limit is finite.
class ConnectionLimits {
 public:
  // Holds one admitted connection's place; gives it back when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();

   private:
    friend class ConnectionLimits;
    Ticket(ConnectionLimits* owner, std::string ip) : owner_(owner), ip_(std::move(ip)) {}
    void Reset();

    ConnectionLimits* owner_ = nullptr;
    std::string ip_;  // empty when per-IP counts are not kept
  };

  // Limits of at least INT32_MAX (Kafka's default) mean unlimited.
  ConnectionLimits(int64_t max_connections, int64_t max_connections_per_ip);

  // A ticket if one more connection from `ip` is within both limits;
  // otherwise nullopt, counted in rejected().
  std::optional<Ticket> TryAdmit(std::string_view ip);

  int64_t connections() const { return total_.load(std::memory_order_relaxed); }
  int64_t ConnectionsFrom(std::string_view ip) const;
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  void Release(const std::string& ip);

  const int64_t max_total_;
  const int64_t max_per_ip_;
  const bool track_ips_;
  std::atomic<int64_t> total_{0};
  std::atomic<uint64_t> rejected_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int64_t> per_ip_;  // guarded by mutex_
};

// The address part of "ip:port" or "[v6]:port" (Connection::peer()).
std::string PeerAddress(std::string_view peer);

}  // namespace cairn::broker
