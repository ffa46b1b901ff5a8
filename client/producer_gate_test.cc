#include "client/producer_gate.h"

#include <thread>
#include <vector>

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

TEST_CASE("ProducerGate: Admit fails after max.block.ms while buffer.memory is full") {
  ProducerGate gate(1000);
  auto first = gate.Admit(800, absl::ZeroDuration());
  REQUIRE(first.ok());
  auto second = gate.Admit(300, absl::Milliseconds(20));
  CHECK(second.status().code() == absl::StatusCode::kResourceExhausted);
  gate.Complete(*first, 800);
  CHECK(gate.Admit(300, absl::ZeroDuration()).ok());
}

TEST_CASE("ProducerGate: a blocked Admit proceeds once memory is released") {
  ProducerGate gate(1000);
  uint64_t first = *gate.Admit(1000, absl::ZeroDuration());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Complete(first, 1000);
  });
  CHECK(gate.Admit(500, absl::Seconds(10)).ok());
  releaser.join();
  CHECK(gate.used_bytes() == 500);
}

TEST_CASE("ProducerGate: a record larger than the cap passes when nothing else is held") {
  ProducerGate gate(100);
  CHECK(gate.Admit(5000, absl::ZeroDuration()).ok());
}

TEST_CASE("ProducerGate: AwaitCompleted waits for every earlier ticket, not later ones") {
  ProducerGate gate(1 << 20);
  uint64_t a = *gate.Admit(1, absl::ZeroDuration());
  uint64_t b = *gate.Admit(1, absl::ZeroDuration());
  uint64_t c = *gate.Admit(1, absl::ZeroDuration());
  gate.Complete(b, 1);
  CHECK(!gate.AwaitCompleted(b, absl::Milliseconds(5)));  // a is still out
  gate.Complete(a, 1);
  CHECK(gate.AwaitCompleted(b, absl::ZeroDuration()));  // c was sent after
  CHECK(!gate.AwaitCompleted(c, absl::ZeroDuration()));
}

TEST_CASE("ProducerGate: CompleteAll returns a batch's tickets and bytes at once, in any order") {
  ProducerGate gate(1 << 20);
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 6; ++i) tickets.push_back(*gate.Admit(10, absl::ZeroDuration()));
  // Two batches of interleaved partitions: the later one completes first.
  const std::vector<uint64_t> later = {tickets[1], tickets[3], tickets[5]};
  const std::vector<uint64_t> earlier = {tickets[0], tickets[2], tickets[4]};
  gate.CompleteAll(later, 30);
  CHECK(gate.used_bytes() == 30);
  CHECK(!gate.AwaitCompleted(tickets[1], absl::ZeroDuration()));  // tickets[0] is still out
  gate.CompleteAll(earlier, 30);
  CHECK(gate.used_bytes() == 0);
  CHECK(gate.AwaitCompleted(tickets[5], absl::ZeroDuration()));
}

TEST_CASE("ProducerGate: AwaitCompleted with an endless timeout returns once the ticket completes") {
  ProducerGate gate(1 << 20);
  const uint64_t ticket = *gate.Admit(1, absl::ZeroDuration());
  std::thread completer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Complete(ticket, 1);
  });
  CHECK(gate.AwaitCompleted(ticket, absl::FromChrono(std::chrono::milliseconds::max())));
  completer.join();
  CHECK(gate.AwaitCompleted(ticket, absl::InfiniteDuration()));
}

TEST_CASE("ProducerGate: Close wakes a blocked Admit, which fails") {
  ProducerGate gate(100);
  REQUIRE(gate.Admit(100, absl::ZeroDuration()).ok());
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Close();
  });
  const absl::StatusOr<uint64_t> blocked = gate.Admit(50, absl::Seconds(30));
  closer.join();
  CHECK(blocked.status().code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cairn::client
