// The Producer at the broker's limits, against a real cairnd: a record over
// the topic's max.message.bytes fails alone (the records around it are
// stored).
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

}  // namespace
}  // namespace cairn::client::testing
