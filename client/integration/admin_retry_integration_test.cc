// Admin retries against a real cairnd: a call made while the broker is down
// succeeds once it is back within default.api.timeout.ms; a call whose
// broker stays down fails after that timeout, not at once and not never.
#include <chrono>
#include <thread>

#include "client/integration/test_support.h"
#include "doctest/doctest.h"
#include "client/kafka_error.h"

namespace cairn::client::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::unique_ptr<Admin> AdminWithTimeout(const CairndProcess& broker, int64_t timeout_ms) {
  ClientConfig config = ConfigFor(broker);
  config.default_api_timeout_ms = timeout_ms;
  config.request_timeout_ms = 2000;
  config.retry_backoff_ms = 50;
  config.retry_backoff_max_ms = 400;
  auto admin = Admin::Create(config);
  CAIRN_CHECK(admin.ok()) << admin.status();
  return std::move(*admin);
}

TEST_CASE("Admin: calls made while the broker is down are retried and succeed once it is back") {
  CairndProcess broker;
  broker.Start();
  auto admin = AdminWithTimeout(broker, 60000);
  CreateTopicAndWait(*admin, "before", 2);
  REQUIRE(admin->AlterGroupOffsets("g", {{"before", 0, 0}}).get().ok());

  broker.Kill9();
  // Topic, group and config calls, all in flight while nothing listens.
  auto created = admin->CreateTopic({"during", 3, 1, {}});
  auto described = admin->DescribeTopic("before");
  auto group_offsets = admin->ListGroupOffsets("g");
  auto altered = admin->AlterGroupOffsets("g", {{"before", 1, 0}});
  std::this_thread::sleep_for(milliseconds(500));
  broker.Start();  // same port and data directory

  CHECK(created.get().ok());
  auto topic = described.get();
  REQUIRE_MESSAGE(topic.ok(), topic.status().ToString());
  CHECK(topic->partitions.size() == 2);
  auto offsets = group_offsets.get();
  REQUIRE_MESSAGE(offsets.ok(), offsets.status().ToString());
  REQUIRE(!offsets->empty());
  CHECK((*offsets)[0].topic == "before");
  CHECK(altered.get().ok());
  // The topic created across the restart exists with its 3 partitions.
  auto during = admin->DescribeTopic("during").get();
  REQUIRE_MESSAGE(during.ok(), during.status().ToString());
  CHECK(during->partitions.size() == 3);
  // Non-retriable errors still come back at once.
  const auto start = steady_clock::now();
  absl::Status again = admin->CreateTopic({"during", 3, 1, {}}).get();
  CHECK(KafkaErrorCodeOf(again) == kafka_error::kTopicAlreadyExists);
  CHECK(steady_clock::now() - start < milliseconds(2000));
}

TEST_CASE("Admin: a broker that stays down fails the call after default.api.timeout.ms") {
  CairndProcess broker;
  broker.Start();
  auto admin = AdminWithTimeout(broker, 1500);
  REQUIRE(admin->ListTopics().get().ok());
  broker.Kill9();
  const auto start = steady_clock::now();
  auto listed = admin->ListTopics().get();
  const auto took = steady_clock::now() - start;
  REQUIRE(!listed.ok());
  CHECK_MESSAGE((absl::IsUnavailable(listed.status()) || absl::IsDeadlineExceeded(listed.status())),
                listed.status().ToString());
  // Retried for about the timeout: not a single attempt, and bounded.
  CHECK(took >= milliseconds(1000));
  CHECK(took < milliseconds(5000));
}

TEST_CASE("Admin: default.api.timeout.ms bounds a call whose request waits longer (request.timeout.ms 30 s)") {
  CairndProcess broker;
  broker.Start();
  ClientConfig config = ConfigFor(broker);
  config.default_api_timeout_ms = 1500;
  config.request_timeout_ms = 30000;  // the default: one attempt alone outlasts the call's timeout
  auto admin = Admin::Create(config);
  REQUIRE(admin.ok());
  REQUIRE((*admin)->ListTopics().get().ok());
  broker.Kill9();
  // Each kind of call: metadata, controller, coordinator, and two-step ones.
  const auto start = steady_clock::now();
  auto listed = (*admin)->ListTopics();
  auto created = (*admin)->CreateTopic({"never", 1, 1, {}});
  auto group = (*admin)->DescribeGroup("g");
  auto lag = (*admin)->GroupLag("g");
  auto offsets = (*admin)->ListOffsets({{"never", 0}}, OffsetSpec::kLatest);
  const absl::Status statuses[] = {listed.get().status(), created.get(), group.get().status(), lag.get().status(),
                                   offsets.get().status()};
  const auto took = steady_clock::now() - start;
  for (const absl::Status& status : statuses) {
    CHECK_MESSAGE(absl::IsDeadlineExceeded(status), status.ToString());
    CHECK_MESSAGE(std::string(status.message()).find("default.api.timeout.ms (1500 ms)") != std::string::npos,
                  status.ToString());
  }
  CHECK(took >= milliseconds(1400));
  CHECK(took < milliseconds(4000));
  // A call answered in time is answered once, with its own result, and the
  // deadline that follows it changes nothing (futures are fulfilled once:
  // a second set_value would throw on the io thread).
  broker.Start();
  REQUIRE((*admin)->ListTopics().get().ok());
  std::this_thread::sleep_for(milliseconds(1700));
  CHECK((*admin)->ListTopics().get().ok());
}

}  // namespace
}  // namespace cairn::client::testing
