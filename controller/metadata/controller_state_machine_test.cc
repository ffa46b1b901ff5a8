#include "controller/metadata/controller_state_machine.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/error_reason.h"

namespace cairn::controller::metadata {
namespace {

TopicUuid Id(char c) {
  TopicUuid id;
  id.fill(static_cast<uint8_t>(c));
  return id;
}

std::string Text(const std::vector<Record>& records) {
  std::vector<std::string> lines;
  for (const Record& r : records) lines.push_back(r.ShortDebugString());
  return absl::StrJoin(lines, "\n");
}

// A controller whose proposals commit at once; keeps the whole log.
struct Cluster {
  ControllerStateMachine controller;
  std::shared_ptr<const MetadataImage> image = std::make_shared<const MetadataImage>();
  std::vector<Record> log;

  void Commit(const std::vector<Record>& records) {
    MetadataDelta delta(image);
    REQUIRE(delta.ReplayAll(records).ok());
    image = delta.Apply();
    log.insert(log.end(), records.begin(), records.end());
  }
  std::vector<Record> Register(int32_t id, int64_t now_ms) {
    auto records = controller.RegisterBroker(*image, {.broker_id = id, .endpoints = {{"PLAINTEXT", "h", 9092 + id}}},
                                             now_ms);
    REQUIRE(records.ok());
    Commit(*records);
    return *records;
  }
  std::vector<Record> Create(const std::string& name, char id, int32_t partitions, int32_t rf) {
    auto records = controller.CreateTopic(*image, {.name = name, .id = Id(id), .partitions = partitions,
                                                   .replication_factor = rf});
    REQUIRE(records.ok());
    Commit(*records);
    return *records;
  }
  const PartitionInfo& Partition(const std::string& topic, int32_t p) const {
    return image->FindTopic(topic)->partitions.at(static_cast<size_t>(p));
  }
};

const std::string kT = "\"TTTTTTTTTTTTTTTT\"";  // Id('T') as text format prints it

TEST_CASE("registration assigns increasing epochs and unfences") {
  Cluster c;
  CHECK(Text(c.Register(1, 0)) ==
        "register_broker { broker_id: 1 broker_epoch: 1 endpoints { name: \"PLAINTEXT\" host: \"h\" port: 9093 } }\n"
        "broker_unfenced { broker_id: 1 broker_epoch: 1 }");
  c.Register(2, 0);
  c.Register(3, 0);
  CHECK(c.image->LiveBrokers() == std::vector<int32_t>{1, 2, 3});
  CHECK(c.image->FindBroker(3)->epoch == 3);
  CHECK(c.image->max_broker_epoch == 3);
  CHECK(c.image->FindBroker(2)->endpoints == std::vector<Endpoint>{{"PLAINTEXT", "h", 9094}});
}

TEST_CASE("6 partitions RF 3 on 3 brokers: each broker leads 2 and hosts 6") {
  Cluster c;
  for (int32_t b : {1, 2, 3}) c.Register(b, 0);
  std::vector<Record> records = c.Create("t", 'T', 6, 3);
  REQUIRE(records.size() == 7);
  CHECK(records[0].ShortDebugString() == "topic { name: \"t\" topic_id: " + kT + " }");
  CHECK(records[1].ShortDebugString() == "partition { topic_id: " + kT +
                                             " replicas: 1 replicas: 2 replicas: 3 isr: 1 isr: 2 isr: 3 leader: 1 }");
  CHECK(records[2].ShortDebugString() == "partition { topic_id: " + kT +
                                             " partition: 1 replicas: 2 replicas: 3 replicas: 1 isr: 2 isr: 3 isr: 1 "
                                             "leader: 2 }");
  std::map<int32_t, int> leads, hosts;
  for (const PartitionInfo& p : c.image->FindTopic("t")->partitions) {
    ++leads[p.leader];
    for (int32_t r : p.replicas) ++hosts[r];
    CHECK(p.isr == p.replicas);
    CHECK(p.leader_epoch == 0);
    CHECK(p.partition_epoch == 0);
  }
  CHECK(leads == std::map<int32_t, int>{{1, 2}, {2, 2}, {3, 2}});
  CHECK(hosts == std::map<int32_t, int>{{1, 6}, {2, 6}, {3, 6}});
  CHECK(c.image->FindTopic(Id('T'))->name == "t");
}

TEST_CASE("successive single-partition topics start on different brokers") {
  Cluster c;
  for (int32_t b : {1, 2, 3}) c.Register(b, 0);
  c.Create("a", 'A', 1, 1);
  c.Create("b", 'B', 1, 1);
  c.Create("c", 'C', 1, 2);
  CHECK(c.Partition("a", 0).replicas == std::vector<int32_t>{1});
  CHECK(c.Partition("b", 0).replicas == std::vector<int32_t>{2});
  CHECK(c.Partition("c", 0).replicas == std::vector<int32_t>{3, 1});
}

TEST_CASE("topic creation errors") {
  Cluster c;
  for (int32_t b : {1, 2, 3}) c.Register(b, 0);
  c.Create("a.b", 'A', 1, 1);
  auto create = [&](std::string name, int32_t partitions, int32_t rf) {
    return c.controller.CreateTopic(*c.image, {.name = name, .id = Id('Z'), .partitions = partitions,
                                               .replication_factor = rf})
        .status();
  };
  absl::Status rf4 = create("t", 6, 4);
  CHECK(GetReason(rf4) == ErrorReason::kInvalidReplicationFactor);
  CHECK(rf4.message() ==
        "Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because "
        "only 3 broker(s) are registered.");
  CHECK(GetReason(create("t", 1, 0)) == ErrorReason::kInvalidReplicationFactor);
  CHECK(GetReason(create("t", 0, 1)) == ErrorReason::kInvalidPartitions);
  CHECK(GetReason(create("t", kMaxPartitionsPerTopic + 1, 1)) == ErrorReason::kInvalidPartitions);
  CHECK(GetReason(create("bad name", 1, 1)) == ErrorReason::kInvalidTopic);
  CHECK(GetReason(create("__consumer_offsets", 1, 1)) == ErrorReason::kInvalidTopic);
  CHECK(GetReason(create("a.b", 1, 1)) == ErrorReason::kTopicAlreadyExists);
  absl::Status collide = create("a_b", 1, 1);
  CHECK(GetReason(collide) == ErrorReason::kInvalidTopic);
  CHECK(collide.message() == "Topic 'a_b' collides with existing topic: a.b");
  CHECK(absl::IsAlreadyExists(c.controller.CreateTopic(*c.image, {.name = "x", .id = Id('A'), .partitions = 1,
                                                                  .replication_factor = 1})
                                  .status()));
  // A fenced broker does not count towards the replication factor.
  c.controller.FenceExpiredBrokers(*c.image, 0, 1000);  // first sight: sessions start now
  c.controller.BrokerHeartbeat(*c.image, 1, 1, 900).IgnoreError();
  c.controller.BrokerHeartbeat(*c.image, 2, 2, 900).IgnoreError();
  c.Commit(c.controller.FenceExpiredBrokers(*c.image, 1000, 1000));
  CHECK(c.image->LiveBrokers() == std::vector<int32_t>{1, 2});
  CHECK(GetReason(create("t", 1, 3)) == ErrorReason::kInvalidReplicationFactor);
}

TEST_CASE("fencing moves leadership within the ISR, re-registration unfences, replay reproduces the image") {
  Cluster c;
  for (int32_t b : {1, 2, 3}) c.Register(b, 0);
  c.Create("t", 'T', 6, 3);
  REQUIRE(c.controller.BrokerHeartbeat(*c.image, 1, 1, 5000).ok());
  REQUIRE(c.controller.BrokerHeartbeat(*c.image, 3, 3, 5000).ok());
  CHECK(c.controller.FenceExpiredBrokers(*c.image, 8999, 9000).empty());
  std::vector<Record> fenced = c.controller.FenceExpiredBrokers(*c.image, 9000, 9000);
  const std::string isr31 = "isr { brokers: 3 brokers: 1 }";
  const std::string isr13 = "isr { brokers: 1 brokers: 3 }";
  auto change = [&](int p, std::string rest) {
    return "partition_change { topic_id: " + kT + (p ? " partition: " + std::to_string(p) : "") + " " + rest + " }";
  };
  CHECK(Text(fenced) == absl::StrJoin({std::string("broker_fenced { broker_id: 2 broker_epoch: 2 }"),
                                       change(0, isr13), change(1, "leader: 3 " + isr31), change(2, isr31),
                                       change(3, isr13), change(4, "leader: 3 " + isr31), change(5, isr31)},
                                      "\n"));
  c.Commit(fenced);
  CHECK(c.image->FindBroker(2)->fenced);
  CHECK(c.Partition("t", 0) == PartitionInfo{{1, 2, 3}, {1, 3}, 1, 0, 1});
  CHECK(c.Partition("t", 1) == PartitionInfo{{2, 3, 1}, {3, 1}, 3, 1, 1});
  CHECK(c.Partition("t", 2) == PartitionInfo{{3, 1, 2}, {3, 1}, 3, 0, 1});
  CHECK(c.controller.FenceExpiredBrokers(*c.image, 9000, 9000).empty());  // already fenced

  absl::Status beat = c.controller.BrokerHeartbeat(*c.image, 2, 2, 9500);
  CHECK(absl::IsFailedPrecondition(beat));
  CHECK(beat.message() == "Broker 2 is fenced; it must register again.");
  CHECK(absl::IsFailedPrecondition(c.controller.BrokerHeartbeat(*c.image, 1, 7, 9500)));
  CHECK(absl::IsFailedPrecondition(c.controller.BrokerHeartbeat(*c.image, 9, 1, 9500)));

  CHECK(Text(c.Register(2, 10000)) ==
        "register_broker { broker_id: 2 broker_epoch: 4 endpoints { name: \"PLAINTEXT\" host: \"h\" port: 9094 } }\n"
        "broker_unfenced { broker_id: 2 broker_epoch: 4 }");
  CHECK(c.image->LiveBrokers() == std::vector<int32_t>{1, 2, 3});
  CHECK(c.controller.BrokerHeartbeat(*c.image, 2, 4, 10500).ok());

  auto replayed = ReplayFromEmpty(c.log);
  REQUIRE(replayed.ok());
  CHECK(**replayed == *c.image);
  CHECK((*replayed)->records_applied == c.log.size());

  // A snapshot of the image restores it exactly: fencing, epochs, ISRs,
  // leader and partition epochs, configs and counters.
  auto configs = c.controller.AlterTopicConfigs(*c.image, "t", {{"retention.ms", "1000"}});
  REQUIRE(configs.ok());
  c.Commit(*configs);
  auto ids = c.controller.AllocateProducerIds(*c.image, 1, 1);
  REQUIRE(ids.ok());
  c.Commit(*ids);
  auto restored = DecodeImageSnapshot(EncodeImageSnapshot(*c.image));
  REQUIRE(restored.ok());
  CHECK(**restored == *c.image);
  CHECK((*restored)->next_producer_id == kProducerIdBlockSize);
  CHECK((*restored)->TopicConfigs("t").at("retention.ms") == "1000");
  CHECK(absl::IsInvalidArgument(DecodeImageSnapshot("\xff\xff garbage").status()));
}

TEST_CASE("the last ISR member stays, no live member leaves no leader until it returns") {
  Cluster c;
  c.Register(1, 0);
  c.Register(2, 0);
  c.Create("solo", 'S', 1, 1);  // on broker 1
  c.Create("pair", 'P', 1, 2);  // slot 1: replicas {2, 1}
  REQUIRE(c.controller.BrokerHeartbeat(*c.image, 2, 2, 500).ok());
  std::vector<Record> fenced = c.controller.FenceExpiredBrokers(*c.image, 1000, 1000);
  CHECK(Text(fenced) ==
        "broker_fenced { broker_id: 1 broker_epoch: 1 }\n"
        "partition_change { topic_id: \"PPPPPPPPPPPPPPPP\" isr { brokers: 2 } }\n"
        "partition_change { topic_id: \"SSSSSSSSSSSSSSSS\" leader: -1 }");
  c.Commit(fenced);
  CHECK(c.Partition("solo", 0) == PartitionInfo{{1}, {1}, kNoLeader, 1, 1});
  CHECK(c.Partition("pair", 0) == PartitionInfo{{2, 1}, {2}, 2, 0, 1});

  // Broker 2 goes too: it is pair's last ISR member, so pair keeps it, leaderless.
  c.Commit(c.controller.FenceExpiredBrokers(*c.image, 1500, 1000));
  CHECK(c.image->LiveBrokers().empty());
  CHECK(c.Partition("pair", 0) == PartitionInfo{{2, 1}, {2}, kNoLeader, 1, 2});

  CHECK(Text(c.Register(1, 2000)) ==
        "register_broker { broker_id: 1 broker_epoch: 3 endpoints { name: \"PLAINTEXT\" host: \"h\" port: 9093 } }\n"
        "broker_unfenced { broker_id: 1 broker_epoch: 3 }\n"
        "partition_change { topic_id: \"SSSSSSSSSSSSSSSS\" leader: 1 }");
  CHECK(c.Partition("solo", 0) == PartitionInfo{{1}, {1}, 1, 2, 2});
  CHECK(c.Partition("pair", 0).leader == kNoLeader);  // 1 is not in its ISR
}

TEST_CASE("fencing two brokers at once never elects either") {
  Cluster c;
  for (int32_t b : {1, 2, 3}) c.Register(b, 0);
  c.Create("t", 'T', 1, 3);  // replicas {1, 2, 3}
  REQUIRE(c.controller.BrokerHeartbeat(*c.image, 3, 3, 500).ok());
  c.Commit(c.controller.FenceExpiredBrokers(*c.image, 1000, 1000));
  CHECK(c.Partition("t", 0) == PartitionInfo{{1, 2, 3}, {3}, 3, 1, 1});
}

TEST_CASE("a broker's registered partition capacity bounds new topics and partitions, but not internal topics") {
  Cluster c;
  for (int32_t b : {1, 2}) {
    auto records = c.controller.RegisterBroker(
        *c.image, {.broker_id = b, .endpoints = {{"PLAINTEXT", "h", 9092 + b}}, .max_partitions = b == 1 ? 3u : 0u},
        0);
    REQUIRE(records.ok());
    c.Commit(*records);
  }
  CHECK(c.image->FindBroker(1)->max_partitions == 3);
  CHECK(c.image->FindBroker(2)->max_partitions == 0);
  // RF 2 over 2 brokers: every partition has a replica on broker 1.
  c.Create("t", 'T', 2, 2);
  absl::Status too_many = c.controller.CreateTopic(*c.image, {.name = "u", .id = Id('U'), .partitions = 2,
                                                              .replication_factor = 2})
                              .status();
  CHECK(GetReason(too_many) == ErrorReason::kInvalidPartitions);
  CHECK(too_many.message() ==
        "Broker 1 hosts 2 partition replicas and can host 3 (its topic.partitions.per.shard and open-file limit); "
        "2 more would exceed that.");
  absl::Status grow = c.controller.CreatePartitions(*c.image, "t", 4).status();
  CHECK(GetReason(grow) == ErrorReason::kInvalidPartitions);
  // Exactly up to the limit is fine.
  auto one_more = c.controller.CreatePartitions(*c.image, "t", 3);
  REQUIRE(one_more.ok());
  c.Commit(*one_more);
  // Broker 1 is full, but a single replica placed at slot 3 lands on broker 2,
  // which has no limit.
  CHECK(c.controller.CreateTopic(*c.image, {.name = "v", .id = Id('V'), .partitions = 1, .replication_factor = 1})
            .ok());
  // An internal topic is never refused (groups and the like need it).
  CHECK(c.controller.CreateTopic(*c.image, {.name = "__consumer_offsets", .id = Id('C'), .partitions = 4,
                                            .replication_factor = 2, .internal = true})
            .ok());
  // Survives a snapshot.
  auto restored = DecodeImageSnapshot(EncodeImageSnapshot(*c.image));
  REQUIRE(restored.ok());
  CHECK((*restored)->FindBroker(1)->max_partitions == 3);
}

TEST_CASE("delete, create partitions, configs, producer ids") {
  Cluster c;
  for (int32_t b : {1, 2, 3}) c.Register(b, 0);
  c.Create("t", 'T', 2, 2);
  auto more = c.controller.CreatePartitions(*c.image, "t", 4);
  REQUIRE(more.ok());
  CHECK(Text(*more) == "partition { topic_id: " + kT +
                           " partition: 2 replicas: 3 replicas: 1 isr: 3 isr: 1 leader: 3 }\n"
                           "partition { topic_id: " + kT +
                           " partition: 3 replicas: 1 replicas: 2 isr: 1 isr: 2 leader: 1 }");
  c.Commit(*more);
  absl::Status shrink = c.controller.CreatePartitions(*c.image, "t", 4).status();
  CHECK(GetReason(shrink) == ErrorReason::kInvalidPartitions);
  CHECK(shrink.message() == "The topic t currently has 4 partition(s); 4 would not be an increase.");
  CHECK(GetReason(c.controller.CreatePartitions(*c.image, "nope", 5).status()) ==
        ErrorReason::kUnknownTopicOrPartition);

  auto set = c.controller.AlterTopicConfigs(*c.image, "t", {{"retention.ms", "100"}, {"cleanup.policy", "compact"}});
  REQUIRE(set.ok());
  c.Commit(*set);
  CHECK(c.image->TopicConfigs("t") ==
        std::map<std::string, std::string>{{"retention.ms", "100"}, {"cleanup.policy", "compact"}});
  auto del = c.controller.AlterTopicConfigs(*c.image, "t", {{"retention.ms", std::nullopt}});
  REQUIRE(del.ok());
  CHECK(Text(*del) == "config { resource_type: CONFIG_RESOURCE_TOPIC resource_name: \"t\" key: \"retention.ms\" }");
  c.Commit(*del);
  CHECK(c.image->TopicConfigs("t") == std::map<std::string, std::string>{{"cleanup.policy", "compact"}});
  CHECK(GetReason(c.controller.AlterTopicConfigs(*c.image, "t", {{"a", "1"}, {"a", "2"}}).status()) ==
        ErrorReason::kInvalidRequest);

  auto ids = c.controller.AllocateProducerIds(*c.image, 2, 2);
  REQUIRE(ids.ok());
  CHECK(Text(*ids) == "producer_ids { broker_id: 2 broker_epoch: 2 next_block_start: 1000 }");
  c.Commit(*ids);
  c.Commit(*c.controller.AllocateProducerIds(*c.image, 1, 1));
  CHECK(c.image->next_producer_id == 2000);
  CHECK(absl::IsFailedPrecondition(c.controller.AllocateProducerIds(*c.image, 1, 2).status()));

  auto removed = c.controller.DeleteTopic(*c.image, "t");
  REQUIRE(removed.ok());
  CHECK(Text(*removed) == "remove_topic { topic_id: " + kT + " }");
  c.Commit(*removed);
  CHECK(c.image->topics.empty());
  CHECK(c.image->topic_names.empty());
  CHECK(c.image->configs.empty());
  CHECK(GetReason(c.controller.DeleteTopic(*c.image, "t").status()) == ErrorReason::kUnknownTopicOrPartition);

  c.Commit(*c.controller.CreateTopic(*c.image, {.name = "__consumer_offsets", .id = Id('O'), .partitions = 1,
                                                .replication_factor = 1, .internal = true}));
  CHECK(GetReason(c.controller.DeleteTopic(*c.image, "__consumer_offsets").status()) ==
        ErrorReason::kPolicyViolation);
  CHECK(GetReason(c.controller.CreatePartitions(*c.image, "__consumer_offsets", 2).status()) ==
        ErrorReason::kPolicyViolation);

  auto replayed = ReplayFromEmpty(c.log);
  REQUIRE(replayed.ok());
  CHECK(**replayed == *c.image);
}

}  // namespace
}  // namespace cairn::controller::metadata
