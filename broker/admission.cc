// The memory budget's FIFO accounting and the broker-wide connection counts
// (see admission.h).
#include "broker/admission.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/check.h"

namespace cairn::broker {

// ----------------------------------------------------------------- MemoryBudget

MemoryBudget::MemoryBudget(size_t capacity_bytes) : capacity_(capacity_bytes) {
  CAIRN_CHECK(capacity_bytes > 0) << "an empty memory budget admits nothing";
}

bool MemoryBudget::Fits(size_t bytes) const { return used_ == 0 || bytes <= capacity_ - std::min(used_, capacity_); }

bool MemoryBudget::Acquire(size_t bytes, Waiter* waiter) {
  CAIRN_CHECK(waiter != nullptr);
  if (waiters_.empty() && Fits(bytes)) {
    used_ += bytes;
    return true;
  }
  CAIRN_DCHECK(std::none_of(waiters_.begin(), waiters_.end(), [waiter](const Waiting& w) { return w.waiter == waiter; }))
      << "a waiter queued twice";
  ++waits_;
  waiters_.push_back({waiter, bytes});
  return false;
}

void MemoryBudget::Release(size_t bytes) {
  CAIRN_CHECK(bytes <= used_) << "releasing " << bytes << " bytes of " << used_ << " charged";
  used_ -= bytes;
  while (!waiters_.empty() && Fits(waiters_.front().bytes)) {
    const Waiting next = waiters_.front();
    waiters_.pop_front();
    used_ += next.bytes;
    next.waiter->OnBudgetGranted();
  }
}

void MemoryBudget::Cancel(Waiter* waiter) {
  auto it = std::find_if(waiters_.begin(), waiters_.end(), [waiter](const Waiting& w) { return w.waiter == waiter; });
  if (it == waiters_.end()) return;
  const bool was_front = it == waiters_.begin();
  waiters_.erase(it);
  // The one that blocked the queue is gone: those behind it may fit now.
  if (was_front) Release(0);
}

// ----------------------------------------------------------------- ConnectionLimits

ConnectionLimits::Ticket::Ticket(Ticket&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), ip_(std::move(other.ip_)) {}

ConnectionLimits::Ticket& ConnectionLimits::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Reset();
    owner_ = std::exchange(other.owner_, nullptr);
    ip_ = std::move(other.ip_);
  }
  return *this;
}

ConnectionLimits::Ticket::~Ticket() { Reset(); }

void ConnectionLimits::Ticket::Reset() {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->Release(ip_);
}

namespace {
constexpr int64_t kUnlimited = std::numeric_limits<int32_t>::max();
}  // namespace

ConnectionLimits::ConnectionLimits(int64_t max_connections, int64_t max_connections_per_ip)
    : max_total_(max_connections),
      max_per_ip_(max_connections_per_ip),
      track_ips_(max_connections_per_ip < kUnlimited) {
  CAIRN_CHECK(max_connections >= 0) << max_connections;
  CAIRN_CHECK(max_connections_per_ip >= 0) << max_connections_per_ip;
}

std::optional<ConnectionLimits::Ticket> ConnectionLimits::TryAdmit(std::string_view ip) {
  if (max_total_ < kUnlimited) {
    int64_t current = total_.load(std::memory_order_relaxed);
    do {
      if (current >= max_total_) {
        rejected_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
      }
    } while (!total_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  } else {
    total_.fetch_add(1, std::memory_order_relaxed);
  }
  if (!track_ips_) return Ticket(this, std::string());
  std::string key(ip);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    int64_t& count = per_ip_[key];
    if (count < max_per_ip_) {
      ++count;
      return Ticket(this, std::move(key));
    }
    if (count == 0) per_ip_.erase(key);  // max.connections.per.ip=0
  }
  total_.fetch_sub(1, std::memory_order_relaxed);
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

int64_t ConnectionLimits::ConnectionsFrom(std::string_view ip) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = per_ip_.find(std::string(ip));
  return it == per_ip_.end() ? 0 : it->second;
}

void ConnectionLimits::Release(const std::string& ip) {
  if (!ip.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = per_ip_.find(ip);
    CAIRN_CHECK(it != per_ip_.end() && it->second > 0) << "connection from " << ip << " released twice";
    if (--it->second == 0) per_ip_.erase(it);
  }
  const int64_t before = total_.fetch_sub(1, std::memory_order_relaxed);
  CAIRN_CHECK(before > 0) << "connection count went negative";
}

// ----------------------------------------------------------------- helpers

std::string PeerAddress(std::string_view peer) {
  if (!peer.empty() && peer.front() == '[') {
    const size_t close = peer.find(']');
    if (close != std::string_view::npos) return std::string(peer.substr(1, close - 1));
  }
  const size_t colon = peer.rfind(':');
  return std::string(colon == std::string_view::npos ? peer : peer.substr(0, colon));
}

}  // namespace cairn::broker
