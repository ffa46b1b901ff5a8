// The Producer at the broker's limits, against a real cairnd: a record over
// the topic's max.message.bytes fails alone (the records around it are
// stored), and a topic name Kafka refuses fails at once with
// INVALID_TOPIC_EXCEPTION instead of waiting out delivery.timeout.ms.
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "client/integration/rdkafka_peer.h"
#include "client/integration/test_support.h"
#include "client/kafka_error.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {
namespace {

using Clock = std::chrono::steady_clock;


TEST_CASE("An oversized record fails with MESSAGE_TOO_LARGE and the small records around it are stored") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "big3", 1);  // max.message.bytes: the default, about 1 MiB
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.max_request_size = 5000000;  // as `cairn produce -X max.request.size=5000000`
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());

  // What `cairn produce big3` sends for the lines "a", 1100 KiB of 'x', "b":
  // all three queued before any goes out, then flushed.
  std::vector<std::future<absl::StatusOr<RecordMetadata>>> results;
  results.push_back((*producer)->Send({"big3", std::nullopt, std::string("a"), {}, std::nullopt, {}}));
  results.push_back((*producer)->Send({"big3", std::nullopt, std::string(1100 * 1024, 'x'), {}, std::nullopt, {}}));
  results.push_back((*producer)->Send({"big3", std::nullopt, std::string("b"), {}, std::nullopt, {}}));
  REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());

  absl::StatusOr<RecordMetadata> a = results[0].get();
  absl::StatusOr<RecordMetadata> big = results[1].get();
  absl::StatusOr<RecordMetadata> b = results[2].get();
  REQUIRE_MESSAGE(a.ok(), a.status());
  CHECK(a->partition == 0);
  CHECK(a->offset == 0);
  REQUIRE_FALSE(big.ok());
  CHECK_MESSAGE(KafkaErrorCodeOf(big.status()) == kafka_error::kMessageTooLarge, big.status());
  REQUIRE_MESSAGE(b.ok(), b.status());
  CHECK(b->partition == 0);
  CHECK(b->offset == 1);
  (*producer)->Close(std::chrono::seconds(5));

  std::vector<PeerRecord> stored = ConsumeAll(broker.bootstrap(), "big3", 1, 2);
  std::vector<PeerRecord> expected = {{0, 0, std::nullopt, std::string("a"), {}},
                                      {0, 1, std::nullopt, std::string("b"), {}}};
  CHECK(stored == expected);
}

TEST_CASE("A record for a topic name Kafka refuses fails at once with INVALID_TOPIC_EXCEPTION") {
  CairndProcess broker;
  broker.Start();
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.delivery_timeout_ms = 30000;
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());

  for (const std::string& name : {std::string("bad name"), std::string(""), std::string(".."),
                                  std::string("a/b"), std::string(250, 't')}) {
    CAPTURE(name);
    const Clock::time_point start = Clock::now();
    absl::StatusOr<RecordMetadata> result =
        (*producer)->Send({name, std::nullopt, std::string("x"), {}, std::nullopt, {}}).get();
    const auto elapsed = Clock::now() - start;
    REQUIRE_FALSE(result.ok());
    CHECK_MESSAGE(KafkaErrorCodeOf(result.status()) == kafka_error::kInvalidTopicException, result.status());
    CHECK(elapsed < std::chrono::seconds(5));  // not delivery.timeout.ms (30 s)
  }
  // The producer still works for a valid name (auto-created) after them.
  absl::StatusOr<RecordMetadata> ok =
      (*producer)->Send({"good.name_1-x", std::nullopt, std::string("x"), {}, std::nullopt, {}}).get();
  REQUIRE_MESSAGE(ok.ok(), ok.status());
  CHECK(ok->offset == 0);
  (*producer)->Close(std::chrono::seconds(5));
}

TEST_CASE("A record with a negative timestamp fails at once and explicit timestamps from 0 are stored as given") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "stamped", 1);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  auto epoch = (*producer)->Send({"stamped", std::nullopt, "epoch", {}, 0, int64_t{0}});
  for (int64_t refused : {int64_t{-1}, int64_t{-5}, INT64_MIN}) {
    auto result = (*producer)->Send({"stamped", std::nullopt, "refused", {}, 0, refused});
    REQUIRE(result.wait_for(std::chrono::seconds(1)) == std::future_status::ready);
    absl::StatusOr<RecordMetadata> metadata = result.get();
    CHECK(absl::IsInvalidArgument(metadata.status()));
    CHECK(metadata.status().message() ==
          "Invalid timestamp: " + std::to_string(refused) + ". Timestamp should always be non-negative or null.");
  }
  auto later = (*producer)->Send({"stamped", std::nullopt, "later", {}, 0, int64_t{1600000000000}});
  auto first = epoch.get();
  REQUIRE(first.ok());
  CHECK(first->offset == 0);
  CHECK(first->timestamp_ms == 0);
  auto second = later.get();
  REQUIRE(second.ok());
  CHECK(second->offset == 1);
  CHECK(second->timestamp_ms == 1600000000000);
  // Stored as given: the broker finds them by time, and nothing else was appended.
  auto at_zero = admin->ListOffsetsForTimestamp({{"stamped", 0}}, 0).get();
  REQUIRE(at_zero.ok());
  CHECK(*at_zero == std::vector<PartitionOffset>{{"stamped", 0, 0}});
  auto at_1 = admin->ListOffsetsForTimestamp({{"stamped", 0}}, 1).get();
  REQUIRE(at_1.ok());
  CHECK(*at_1 == std::vector<PartitionOffset>{{"stamped", 0, 1}});
  auto end = admin->ListOffsets({{"stamped", 0}}, OffsetSpec::kLatest).get();
  REQUIRE(end.ok());
  CHECK(*end == std::vector<PartitionOffset>{{"stamped", 0, 2}});
}

TEST_CASE("A record whose batch would pass max.request.size fails at once, one that fits exactly is stored") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  // The topic takes 2 MB: only the producer's max.request.size (1 MiB) limits.
  REQUIRE(admin->CreateTopic({"edge", 1, 1, {{"max.message.bytes", "2000000"}}}).get().ok());
  ProducerConfig config;
  config.client = ConfigFor(broker);
  REQUIRE(config.max_request_size == size_t{1} << 20);
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  // 61 bytes of batch header + 21 of record framing + the value: 1 MiB exactly.
  constexpr size_t kLargestValue = (size_t{1} << 20) - 61 - 21;
  auto over = (*producer)->Send({"edge", std::nullopt, std::string(kLargestValue + 1, 'o'), {}, 0, std::nullopt});
  REQUIRE(over.wait_for(std::chrono::seconds(1)) == std::future_status::ready);
  absl::StatusOr<RecordMetadata> refused = over.get();
  CHECK(KafkaErrorCodeOf(refused.status()) == kafka_error::kMessageTooLarge);
  CHECK_MESSAGE(std::string(refused.status().message()).find("max.request.size 1048576") != std::string::npos,
                refused.status().ToString());
  auto fits = (*producer)->Send({"edge", std::nullopt, std::string(kLargestValue, 'f'), {}, 0, std::nullopt}).get();
  REQUIRE_MESSAGE(fits.ok(), fits.status().ToString());
  CHECK(fits->offset == 0);
  auto end = admin->ListOffsets({{"edge", 0}}, OffsetSpec::kLatest).get();
  REQUIRE(end.ok());
  CHECK(*end == std::vector<PartitionOffset>{{"edge", 0, 1}});
}

}  // namespace
}  // namespace cairn::client::testing
