// The Admin against a real cairnd: every operation checked against what the
// broker then reports, and the Kafka error each misuse must give.
#include <algorithm>

#include "client/integration/rdkafka_peer.h"
#include "client/integration/test_support.h"
#include "client/kafka_error.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {
namespace {

std::optional<ConfigEntry> FindConfig(const std::vector<ConfigEntry>& entries, const std::string& name) {
  for (const ConfigEntry& e : entries) {
    if (e.name == name) return e;
  }
  return std::nullopt;
}

bool ListsTopic(Admin& admin, const std::string& name) {
  auto topics = admin.ListTopics().get();
  REQUIRE(topics.ok());
  return std::any_of(topics->begin(), topics->end(), [&](const TopicDescription& t) { return t.name == name; });
}

TEST_CASE("Admin: create, describe, configs, add partitions, delete, with Kafka's errors") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);

  NewTopic topic{"orders", 3, 1, {{"retention.ms", "123456"}, {"cleanup.policy", "delete"}}};
  REQUIRE(admin->CreateTopic(topic).get().ok());
  absl::Status again = admin->CreateTopic(topic).get();
  CHECK(KafkaErrorCodeOf(again) == kafka_error::kTopicAlreadyExists);
  CHECK(std::string(again.message()).rfind("TOPIC_ALREADY_EXISTS", 0) == 0);

  CreateTopicAndWait(*admin, "other", 1);  // (waits for leaders)
  auto described = admin->DescribeTopic("orders").get();
  REQUIRE(described.ok());
  CHECK(described->name == "orders");
  CHECK(!described->is_internal);
  REQUIRE(described->partitions.size() == 3);
  for (int32_t p = 0; p < 3; ++p) {
    CHECK(described->partitions[p].partition == p);
    CHECK(described->partitions[p].replicas.size() == 1);
  }
  CHECK(ListsTopic(*admin, "orders"));

  auto configs = admin->DescribeTopicConfig("orders").get();
  REQUIRE(configs.ok());
  auto retention = FindConfig(*configs, "retention.ms");
  REQUIRE(retention.has_value());
  CHECK(retention->value == "123456");
  CHECK(!retention->is_default);

  REQUIRE(admin->AlterTopicConfig("orders", {{"retention.ms", AlterConfigOp::kSet, "999"},
                                             {"cleanup.policy", AlterConfigOp::kSet, "compact"}})
              .get()
              .ok());
  configs = admin->DescribeTopicConfig("orders").get();
  REQUIRE(configs.ok());
  CHECK(FindConfig(*configs, "retention.ms")->value == "999");
  CHECK(FindConfig(*configs, "cleanup.policy")->value == "compact");
  REQUIRE(admin->AlterTopicConfig("orders", {{"retention.ms", AlterConfigOp::kDelete, std::nullopt}}).get().ok());
  configs = admin->DescribeTopicConfig("orders").get();
  REQUIRE(configs.ok());
  CHECK(FindConfig(*configs, "retention.ms")->is_default);
  CHECK(FindConfig(*configs, "retention.ms")->value != "999");
  absl::Status bad_config = admin->AlterTopicConfig("orders", {{"no.such.config", AlterConfigOp::kSet, "1"}}).get();
  CHECK(KafkaErrorCodeOf(bad_config) == kafka_error::kInvalidConfig);

  REQUIRE(admin->CreatePartitions("orders", 5).get().ok());
  described = admin->DescribeTopic("orders").get();
  REQUIRE(described.ok());
  CHECK(described->partitions.size() == 5);
  CHECK(KafkaErrorCodeOf(admin->CreatePartitions("orders", 2).get()) == kafka_error::kInvalidPartitions);
  CHECK(KafkaErrorCodeOf(admin->CreatePartitions("missing", 2).get()) == kafka_error::kUnknownTopicOrPartition);

  REQUIRE(admin->DeleteTopic("orders").get().ok());
  CHECK(KafkaErrorCodeOf(admin->DescribeTopic("orders").get().status()) == kafka_error::kUnknownTopicOrPartition);
  CHECK(KafkaErrorCodeOf(admin->DeleteTopic("orders").get()) == kafka_error::kUnknownTopicOrPartition);
  CHECK(!ListsTopic(*admin, "orders"));
  CHECK(ListsTopic(*admin, "other"));
}

TEST_CASE("Admin: ListOffsets, groups, committed offsets and lag against a librdkafka group member") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "events", 2);

  ProducerConfig config;
  config.client = ConfigFor(broker);
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  for (int i = 0; i < 10; ++i) {
    // 6 records on partition 0, 4 on partition 1.
    (*producer)->Send(ProducerRecord{"events", std::nullopt, "e" + std::to_string(i), {}, i < 6 ? 0 : 1, std::nullopt});
  }
  REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());

  auto latest = admin->ListOffsets({{"events", 0}, {"events", 1}}, OffsetSpec::kLatest).get();
  REQUIRE(latest.ok());
  CHECK(*latest == std::vector<PartitionOffset>{{"events", 0, 6}, {"events", 1, 4}});
  auto earliest = admin->ListOffsets({{"events", 0}, {"events", 1}}, OffsetSpec::kEarliest).get();
  REQUIRE(earliest.ok());
  CHECK(*earliest == std::vector<PartitionOffset>{{"events", 0, 0}, {"events", 1, 0}});

  {
    RdkafkaGroupMember member(broker.bootstrap(), "billing", "rdk-member", "events");
    member.Poll(10);
    member.Commit();

    auto groups = admin->ListGroups().get();
    REQUIRE(groups.ok());
    auto listed = std::find_if(groups->begin(), groups->end(), [](const auto& g) { return g.group_id == "billing"; });
    REQUIRE(listed != groups->end());
    CHECK(listed->protocol_type == "consumer");

    auto group = admin->DescribeGroup("billing").get();
    REQUIRE(group.ok());
    CHECK(group->state == "Stable");
    CHECK(group->protocol_type == "consumer");
    CHECK(group->protocol == "range");
    REQUIRE(group->members.size() == 1);
    CHECK(group->members[0].client_id == "rdk-member");
    CHECK(!group->members[0].assignment.empty());

    CHECK(KafkaErrorCodeOf(admin->DeleteGroup("billing").get()) == kafka_error::kNonEmptyGroup);

    auto committed = admin->ListGroupOffsets("billing").get();
    REQUIRE(committed.ok());
    CHECK(*committed == std::vector<PartitionOffset>{{"events", 0, 6}, {"events", 1, 4}});

    // Three more records on partition 1: lag 0 and 3.
    for (int i = 0; i < 3; ++i) (*producer)->Send(ProducerRecord{"events", std::nullopt, "late", {}, 1, std::nullopt});
    REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
    auto lag = admin->GroupLag("billing").get();
    REQUIRE(lag.ok());
    CHECK(*lag == std::vector<PartitionLag>{{"events", 0, 6, 6, 0}, {"events", 1, 4, 7, 3}});
    member.Close();
  }

  auto empty = admin->DescribeGroup("billing").get();
  REQUIRE(empty.ok());
  CHECK(empty->state == "Empty");
  CHECK(empty->members.empty());
  REQUIRE(admin->DeleteGroup("billing").get().ok());
  CHECK(KafkaErrorCodeOf(admin->DeleteGroup("billing").get()) == kafka_error::kGroupIdNotFound);
  auto gone = admin->ListGroups().get();
  REQUIRE(gone.ok());
  CHECK(std::none_of(gone->begin(), gone->end(), [](const auto& g) { return g.group_id == "billing"; }));
}

TEST_CASE("Producer: a record for a missing partition fails with UNKNOWN_TOPIC_OR_PARTITION") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "small", 2);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  auto result = (*producer)->Send(ProducerRecord{"small", std::nullopt, "x", {}, 7, std::nullopt}).get();
  CHECK(KafkaErrorCodeOf(result.status()) == kafka_error::kUnknownTopicOrPartition);
}

}  // namespace
}  // namespace cairn::client::testing
