// Tests for Timer: expiry, cancellation, re-arming and destruction, on a
// test-driven io_context and on a shard.
#include "io/timer.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <optional>

#include "asio/io_context.hpp"
#include "io/shard.h"

namespace cairn::io {
namespace {

using std::chrono::milliseconds;

TEST_CASE("Timer: fires with OK once the delay has passed") {
  asio::io_context context;
  Timer timer(context);
  std::optional<absl::Status> status;
  const auto start = std::chrono::steady_clock::now();
  timer.ExpireAfter(milliseconds(20), [&](absl::Status s) { status = s; });
  CHECK_FALSE(status.has_value());  // never inline
  context.run();
  REQUIRE(status.has_value());
  CHECK(status->ok());
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(20));
}

TEST_CASE("Timer: Cancel makes the pending callback report Cancelled") {
  asio::io_context context;
  Timer timer(context);
  std::optional<absl::Status> status;
  timer.ExpireAfter(milliseconds(60'000), [&](absl::Status s) { status = s; });
  timer.Cancel();
  context.run();  // returns at once: nothing is left to wait for
  REQUIRE(status.has_value());
  CHECK(status->code() == absl::StatusCode::kCancelled);
}

TEST_CASE("Timer: re-arming replaces the pending wait, whose callback gets Cancelled") {
  asio::io_context context;
  Timer timer(context);
  std::optional<absl::Status> first;
  std::optional<absl::Status> second;
  timer.ExpireAfter(milliseconds(60'000), [&](absl::Status s) { first = s; });
  timer.ExpireAfter(milliseconds(1), [&](absl::Status s) { second = s; });
  context.run();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->code() == absl::StatusCode::kCancelled);
  CHECK(second->ok());
}

TEST_CASE("Timer: destroying a Timer runs its pending callback with Cancelled") {
  asio::io_context context;
  std::optional<absl::Status> status;
  {
    Timer timer(context);
    timer.ExpireAfter(milliseconds(60'000), [&](absl::Status s) { status = s; });
  }
  context.run();
  REQUIRE(status.has_value());
  CHECK(status->code() == absl::StatusCode::kCancelled);
}

TEST_CASE("Timer: on a shard the callback runs on the shard thread") {
  ShardRuntime runtime;
  REQUIRE(runtime.Start(1).ok());
  Shard& shard = runtime.shard(0);
  std::promise<bool> on_shard;
  std::unique_ptr<Timer> timer;  // created, fired and destroyed on the shard
  shard.Post([&] {
    timer = std::make_unique<Timer>(shard);
    timer->ExpireAfter(milliseconds(5), [&](absl::Status s) {
      on_shard.set_value(s.ok() && Shard::Current() == &shard);
      timer.reset();
    });
  });
  auto future = on_shard.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(future.get());
  runtime.Stop();
}

}  // namespace
}  // namespace cairn::io
