// Broker hosts given as names, on a real cairnd: the client resolves the
// bootstrap name and the name the broker advertises in Metadata (which the
// Produce and Fetch requests then go to), and a name that does not resolve
// fails with a message that says so.
#include "absl/strings/match.h"
#include "client/integration/consumer_test_support.h"
#include "client/producer.h"

namespace cairn::client::testing {
namespace {

TEST_CASE("Producer, Consumer and Admin reach a broker by name, in bootstrap.servers and in Metadata") {
  CairndProcess broker;
  // "localhost" is in /etc/hosts on every Debian machine, and names are
  // matched without regard to case (RFC 4343): spelt in capitals it stays a
  // test of the resolver even if "localhost" were special-cased again (as
  // io/ once did). The broker listens on 127.0.0.1 and tells clients to
  // come back through the name.
  const std::string by_name = "LOCALHOST:" + std::to_string(broker.port());
  broker.AddOverride("advertised.listeners=PLAINTEXT://" + by_name);
  broker.Start();

  ClientConfig by_name_client = ConfigFor(broker);
  by_name_client.bootstrap_servers = by_name;
  auto admin = Admin::Create(by_name_client);
  REQUIRE(admin.ok());
  CreateTopicAndWait(**admin, "named", 1);

  // Bootstrapped by address: the Produce requests go to the leader Metadata
  // names, "LOCALHOST".
  ProducerConfig producer_config;
  producer_config.client = ConfigFor(broker);
  auto producer = Producer::Create(producer_config);
  REQUIRE(producer.ok());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RecordMetadata> sent =
        (*producer)->Send({"named", std::string("k") + std::to_string(i), "v" + std::to_string(i), {}, 0, {}}).get();
    REQUIRE(sent.ok());
    CHECK(sent->offset == i);
  }
  (*producer)->Close(std::chrono::seconds(5));

  ConsumerConfig consumer_config = ConsumerConfigFor(broker);
  consumer_config.bootstrap_servers = by_name;
  auto consumer = MakeConsumer(consumer_config);
  REQUIRE(consumer->Assign({{"named", 0, kOffsetBeginning, ""}}).ok());
  std::vector<ConsumerRecord> records = PollUntil(*consumer, 3);
  REQUIRE(records.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(records[i].offset == i);
    CHECK(records[i].key == "k" + std::to_string(i));
    CHECK(records[i].value == "v" + std::to_string(i));
  }
  CHECK(consumer->Close().ok());
}

TEST_CASE("Admin: a bootstrap name that does not resolve times out saying why") {
  ClientConfig config;
  config.bootstrap_servers = "no-such-broker.invalid:9092";  // .invalid never resolves (RFC 2606)
  config.request_timeout_ms = 1000;
  // The call retries until this: the failure must still be reported with
  // its cause, not after the default minute.
  config.default_api_timeout_ms = 5000;
  auto admin = Admin::Create(config);
  REQUIRE(admin.ok());
  absl::StatusOr<std::vector<TopicDescription>> topics = (*admin)->ListTopics().get();
  REQUIRE(!topics.ok());
  CHECK(absl::StrContains(topics.status().message(),
                          "the last attempt failed: connect to no-such-broker.invalid:9092: cannot resolve the host"));
}

}  // namespace
}  // namespace cairn::client::testing
