// linger.ms against a real cairnd, with records that reach the producer's
// io thread only when its timer fires (client/producer_inbox.h): each record
// is held for its linger.ms counted from its own Send, no less and not much
// more, and none is left behind without a Flush.
#include <chrono>
#include <future>
#include <thread>

#include "client/integration/test_support.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {
namespace {

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

TEST_CASE("A record sent while another partition's batch lingers waits its own linger.ms, not two") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "lingering", 2);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.linger_ms = 1000;
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  // Connected, with a producer id and the topic's metadata, before timing.
  REQUIRE((*producer)->Send({"lingering", std::nullopt, std::string("warm-up"), {}, 0, {}}).get().ok());

  const Clock::time_point first_sent = Clock::now();
  auto first = std::async(std::launch::async, [&] {
    absl::StatusOr<RecordMetadata> m = (*producer)->Send({"lingering", std::nullopt, std::string("a"), {}, 0, {}}).get();
    return std::make_pair(m, MillisecondsSince(first_sent));
  });
  // Half a linger later, to the other partition: due after the first batch's
  // timer, so it reaches the io thread only when that timer fires.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const Clock::time_point second_sent = Clock::now();
  absl::StatusOr<RecordMetadata> second =
      (*producer)->Send({"lingering", std::nullopt, std::string("b"), {}, 1, {}}).get();
  const double second_ms = MillisecondsSince(second_sent);
  auto [first_result, first_ms] = first.get();

  REQUIRE(first_result.ok());
  REQUIRE(second.ok());
  CHECK(first_result->partition == 0);
  CHECK(first_result->offset == 1);  // after the warm-up record
  CHECK(second->partition == 1);
  CHECK(second->offset == 0);
  MESSAGE("first record acknowledged after ", first_ms, " ms, second after ", second_ms, " ms");
  // At least linger.ms (the clock counts whole milliseconds), and not a
  // second linger on top: that would be about 1500 ms for the second.
  CHECK(first_ms >= 990);
  CHECK(first_ms < 1400);
  CHECK(second_ms >= 990);
  CHECK(second_ms < 1400);
  (*producer)->Close(std::chrono::seconds(5));
}

}  // namespace
}  // namespace cairn::client::testing
