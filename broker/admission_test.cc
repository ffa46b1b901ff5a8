// Tests of the per-shard memory budget (FIFO grants, the oversized frame
// admitted alone) and the broker-wide connection limits.
#include "broker/admission.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

namespace cairn::broker {
namespace {

// Records the order in which waiters were granted.
struct RecordingWaiter final : MemoryBudget::Waiter {
  RecordingWaiter(std::vector<std::string>* log, std::string name) : log(log), name(std::move(name)) {}
  void OnBudgetGranted() override { log->push_back(name); }
  std::vector<std::string>* log;
  std::string name;
};

TEST_CASE("Admission: charges that fit are taken at once and released bytes are returned") {
  MemoryBudget budget(100);
  std::vector<std::string> log;
  RecordingWaiter a(&log, "a");
  CHECK(budget.Acquire(60, &a));
  CHECK(budget.Acquire(40, &a));
  CHECK(budget.used_bytes() == 100);
  budget.Release(60);
  CHECK(budget.used_bytes() == 40);
  budget.Release(40);
  CHECK(budget.used_bytes() == 0);
  CHECK(budget.waits() == 0);
  CHECK(log.empty());
}

TEST_CASE("Admission: a charge that does not fit waits and waiters are granted strictly FIFO") {
  MemoryBudget budget(100);
  std::vector<std::string> log;
  RecordingWaiter holder(&log, "holder"), big(&log, "big"), small1(&log, "small1"), small2(&log, "small2");
  REQUIRE(budget.Acquire(90, &holder));
  CHECK_FALSE(budget.Acquire(50, &big));
  // 10 bytes would fit, but `big` is ahead: no jumping the queue.
  CHECK_FALSE(budget.Acquire(10, &small1));
  CHECK_FALSE(budget.Acquire(30, &small2));
  CHECK(budget.waiting() == 3);
  CHECK(budget.waits() == 3);

  budget.Release(40);  // 50 used: big (50) fits exactly, then small1 does not (110)
  CHECK(log == std::vector<std::string>{"big"});
  CHECK(budget.used_bytes() == 100);
  budget.Release(50);  // holder's rest: small1 and small2 both fit
  CHECK(log == std::vector<std::string>{"big", "small1", "small2"});
  CHECK(budget.used_bytes() == 90);
  CHECK(budget.waiting() == 0);
}

TEST_CASE("Admission: a frame larger than the whole budget is admitted when nothing else is charged") {
  MemoryBudget budget(100);
  std::vector<std::string> log;
  RecordingWaiter a(&log, "a"), huge(&log, "huge"), after(&log, "after");
  CHECK(budget.Acquire(1000, &a));  // alone: admitted
  CHECK(budget.used_bytes() == 1000);
  budget.Release(1000);

  REQUIRE(budget.Acquire(1, &a));
  CHECK_FALSE(budget.Acquire(1000, &huge));  // not alone: waits
  CHECK_FALSE(budget.Acquire(1, &after));    // behind it
  budget.Release(1);
  CHECK(log == std::vector<std::string>{"huge"});  // granted alone, over the budget
  CHECK(budget.used_bytes() == 1000);
  budget.Release(1000);
  CHECK(log == std::vector<std::string>{"huge", "after"});
}

TEST_CASE("Admission: cancelling the front waiter grants those behind it that fit") {
  MemoryBudget budget(100);
  std::vector<std::string> log;
  RecordingWaiter holder(&log, "holder"), big(&log, "big"), small(&log, "small"), gone(&log, "gone");
  REQUIRE(budget.Acquire(80, &holder));
  CHECK_FALSE(budget.Acquire(50, &big));
  CHECK_FALSE(budget.Acquire(20, &small));
  budget.Cancel(&gone);  // not queued: nothing happens
  CHECK(budget.waiting() == 2);
  budget.Cancel(&big);
  CHECK(log == std::vector<std::string>{"small"});
  CHECK(budget.used_bytes() == 100);
}

TEST_CASE("Admission: max.connections.per.ip refuses the connection past the limit from that address only") {
  ConnectionLimits limits(2147483647, 3);
  std::vector<ConnectionLimits::Ticket> held;
  for (int i = 0; i < 3; ++i) {
    auto ticket = limits.TryAdmit("10.0.0.1");
    REQUIRE(ticket.has_value());
    held.push_back(std::move(*ticket));
  }
  CHECK_FALSE(limits.TryAdmit("10.0.0.1").has_value());
  CHECK(limits.rejected() == 1);
  CHECK(limits.TryAdmit("10.0.0.2").has_value());  // released again at once
  CHECK(limits.ConnectionsFrom("10.0.0.1") == 3);
  CHECK(limits.ConnectionsFrom("10.0.0.2") == 0);
  held.pop_back();  // one closes: room again
  CHECK(limits.ConnectionsFrom("10.0.0.1") == 2);
  CHECK(limits.TryAdmit("10.0.0.1").has_value());
  CHECK(limits.connections() == 2);
}

TEST_CASE("Admission: max.connections bounds the total across threads exactly") {
  ConnectionLimits limits(100, 2147483647);
  std::vector<std::vector<ConnectionLimits::Ticket>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& held : per_thread) {
    threads.emplace_back([&limits, &held] {
      for (int i = 0; i < 1000; ++i) {
        if (auto ticket = limits.TryAdmit("127.0.0.1")) held.push_back(std::move(*ticket));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  size_t admitted = 0;
  for (const auto& held : per_thread) admitted += held.size();
  CHECK(admitted == 100);
  CHECK(limits.connections() == 100);
  CHECK(limits.rejected() == 3900);
  per_thread.clear();
  CHECK(limits.connections() == 0);
}

TEST_CASE("Admission: PeerAddress strips the port from IPv4 and bracketed IPv6 peers") {
  CHECK(PeerAddress("127.0.0.1:5555") == "127.0.0.1");
  CHECK(PeerAddress("[::1]:5555") == "::1");
  CHECK(PeerAddress("unknown") == "unknown");
}

}  // namespace
}  // namespace cairn::broker
