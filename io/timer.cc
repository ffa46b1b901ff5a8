// Timer over asio::steady_timer with cancel-wins semantics (see timer.h).

#include "io/timer.h"

#include <utility>

#include "asio/io_context.hpp"
#include "asio/steady_timer.hpp"
#include "io/asio_status.h"
#include "io/shard.h"

namespace cairn::io {

struct Timer::Impl {
  explicit Impl(asio::io_context& context) : timer(context) {}

  asio::steady_timer timer;
  // Bumped by every arm and cancel. A callback whose arming is no longer the
  // latest reports Cancelled even when Asio already queued it as expired.
  // Shared with the handlers so they can check it after the Timer is gone.
  std::shared_ptr<uint64_t> generation = std::make_shared<uint64_t>(0);
};

Timer::Timer(Shard& shard) : Timer(shard.io_context()) {}

Timer::Timer(asio::io_context& context) : impl_(std::make_unique<Impl>(context)) {}

Timer::~Timer() { Cancel(); }

void Timer::ExpireAfter(std::chrono::milliseconds delay, Callback done) {
  const uint64_t armed = ++*impl_->generation;
  impl_->timer.expires_after(delay);  // aborts any earlier wait
  impl_->timer.async_wait([generation = impl_->generation, armed,
                           done = std::move(done)](const asio::error_code& ec) mutable {
    if (*generation != armed || ec == asio::error::operation_aborted) {
      std::move(done)(absl::CancelledError("timer cancelled"));
      return;
    }
    std::move(done)(AsioErrorToStatus(ec, "timer wait"));
  });
}

void Timer::Cancel() {
  ++*impl_->generation;
  impl_->timer.cancel();
}

}  // namespace cairn::io
