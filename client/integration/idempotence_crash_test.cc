// Idempotence and ordering across a broker crash: kill -9 cairnd while the
// producer has 5 batches in flight, restart it on the same port and data
// directory, and check that every acknowledged record is in the log exactly
// once, in send order, at the offset it was acknowledged with.
#include <atomic>
#include <future>
#include <thread>

#include "client/integration/rdkafka_peer.h"
#include "client/integration/test_support.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {
namespace {

TEST_CASE("Producer idempotence: kill -9 mid-stream, restart, every acknowledged record once and in order") {
  CairndProcess broker;
  broker.Start();
  {
    auto admin = MakeAdmin(broker);
    CreateTopicAndWait(*admin, "crash", 1);
  }
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.client.request_timeout_ms = 5000;
  config.client.reconnect_backoff_max_ms = 200;
  config.linger_ms = 1;
  config.batch_size = 2048;  // many small batches: 5 in flight at once
  config.delivery_timeout_ms = 120000;
  auto producer_or = Producer::Create(config);
  REQUIRE(producer_or.ok());
  std::unique_ptr<Producer> producer = std::move(*producer_or);

  constexpr int kRecords = 20000;
  std::vector<std::promise<absl::StatusOr<RecordMetadata>>> results(kRecords);
  std::atomic<int> acknowledged{0};
  std::thread sender([&] {
    for (int i = 0; i < kRecords; ++i) {
      ProducerRecord record{"crash", std::nullopt, "record-" + std::to_string(i), {}, 0, std::nullopt};
      producer->Send(std::move(record), [&, i](absl::StatusOr<RecordMetadata> result) {
        if (result.ok()) acknowledged.fetch_add(1);
        results[i].set_value(std::move(result));
      });
    }
  });
  // Crash the broker once part of the stream is acknowledged, while the rest is in flight.
  while (acknowledged.load() < kRecords / 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int acknowledged_before_crash = acknowledged.load();
  broker.Kill9();
  // The crash hit mid-stream: records were still queued or in flight.
  CHECK(acknowledged_before_crash < kRecords);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  broker.Start();
  sender.join();
  REQUIRE(producer->Flush(std::chrono::seconds(120)).ok());

  std::vector<std::pair<int64_t, int>> acked;  // offset, record index
  for (int i = 0; i < kRecords; ++i) {
    absl::StatusOr<RecordMetadata> result = results[i].get_future().get();
    if (result.ok()) acked.emplace_back(result->offset, i);
  }
  // With a broker that comes back in time, nothing is lost at all.
  CHECK(acked.size() == kRecords);
  std::vector<PeerRecord> log = ConsumeAll(broker.bootstrap(), "crash", 1, acked.size());
  // Exactly once: as many records in the log as acknowledged, offsets dense.
  REQUIRE(log.size() == acked.size());
  for (size_t i = 0; i < acked.size(); ++i) {
    INFO("acknowledged record ", acked[i].second);
    CHECK(acked[i].first == static_cast<int64_t>(i));  // acknowledged offsets follow send order
    CHECK(log[i].offset == static_cast<int64_t>(i));
    CHECK(log[i].value == "record-" + std::to_string(acked[i].second));
  }
  producer.reset();
}

}  // namespace
}  // namespace cairn::client::testing
