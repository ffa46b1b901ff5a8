// A one-shot timer on a shard's event loop: the only way a shard waits
// (DESIGN.md §2 forbids sleeping on a shard thread).
//
// Threading: create, arm, cancel and destroy a Timer on the thread running its
// io_context (the shard's); the callback runs there. Destroy it before the
// io_context (Shard) it is bound to.
#pragma once

#include <chrono>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace asio {
class io_context;
}  // namespace asio

namespace cairn::io {

class Shard;

class Timer {
 public:
  using Callback = absl::AnyInvocable<void(absl::Status) &&>;

  explicit Timer(Shard& shard);
  explicit Timer(asio::io_context& context);
  // Cancels a pending wait; its callback still runs later, with Cancelled.
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Calls `done` with OK once `delay` has passed, or with Cancelled if
  // Cancel(), a newer ExpireAfter() or the destructor comes first. Every
  // callback runs exactly once, never inline from this call.
  void ExpireAfter(std::chrono::milliseconds delay, Callback done);
  // After this returns, the pending callback (if any) gets Cancelled, even if
  // its deadline had already passed and it was only waiting to be run.
  void Cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::io
