// Runs a task on a Shard's thread from a test thread and waits for its
// result, failing loudly (instead of hanging) if the shard is stuck.
#pragma once

#include <chrono>
#include <future>
#include <type_traits>

#include "common/check.h"
#include "io/shard.h"

namespace cairn::io::testing {

template <typename F>
auto RunOnShard(Shard& shard, F task, std::chrono::seconds deadline = std::chrono::seconds(30))
    -> std::invoke_result_t<F&> {
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
  CAIRN_CHECK(future.wait_for(deadline) == std::future_status::ready) << "shard stuck";
  return future.get();
}

}  // namespace cairn::io::testing
