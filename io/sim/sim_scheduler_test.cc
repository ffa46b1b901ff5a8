// Tests of the simulated event queue: FIFO by default, seeded reordering.
#include "io/sim/sim_scheduler.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

namespace cairn::io::sim {
namespace {

std::vector<int> RunNumberedTasks(SimScheduler& scheduler, int count) {
  std::vector<int> order;
  for (int i = 0; i < count; ++i) scheduler.Post([&order, i] { order.push_back(i); });
  scheduler.RunUntilIdle();
  return order;
}

TEST_CASE("SimScheduler: tasks run in posting order and only when asked") {
  SimScheduler scheduler;
  std::vector<int> order;
  scheduler.Post([&] { order.push_back(1); });
  scheduler.Post([&] { order.push_back(2); });
  CHECK(order.empty());
  CHECK(scheduler.pending() == 2);
  CHECK(scheduler.RunOne());
  CHECK(order == std::vector<int>{1});
  CHECK(scheduler.RunUntilIdle() == 1);
  CHECK(order == std::vector<int>{1, 2});
  CHECK_FALSE(scheduler.RunOne());
}

TEST_CASE("SimScheduler: tasks posted by running tasks run in the same RunUntilIdle") {
  SimScheduler scheduler;
  std::vector<int> order;
  scheduler.Post([&] {
    order.push_back(1);
    scheduler.Post([&] { order.push_back(3); });
  });
  scheduler.Post([&] { order.push_back(2); });
  CHECK(scheduler.RunUntilIdle() == 3);
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(scheduler.pending() == 0);
}

TEST_CASE("SimScheduler: reordering runs every task once in an order fixed by the seed") {
  SimScheduler first(42);
  SimScheduler second(42);
  first.set_reorder(true);
  second.set_reorder(true);
  std::vector<int> order = RunNumberedTasks(first, 8);
  CHECK(order == RunNumberedTasks(second, 8));
  CHECK(order != std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  std::sort(order.begin(), order.end());
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
}

}  // namespace
}  // namespace cairn::io::sim
